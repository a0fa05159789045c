"""
A hands-on tour of the registry: load two specs, grow one, check the tools, look back, roll back.

Run it with ``python examples/hands_on.py``. It works in a temporary folder and prints each step:
two spec files are written, both are loaded into a registry kept in SQLite, one spec gains an
endpoint and is reloaded (``+1 -0 ~0 =2``), every provider's tool list is checked against that
provider's rules, and finally the change is rolled back.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from toolsync.config import SpecConfig
from toolsync.formats import PROVIDERS
from toolsync.gates import check_tools
from toolsync.registry import ChangeEvent, Registry, Trigger
from toolsync.stores import SQLiteStore

PETS = """\
openapi: 3.1.0
info: {title: Pets, version: 1.0.0}
servers: [{url: "https://pets.example.test/v1"}]
paths:
  /pets:
    get:
      operationId: listPets
      summary: List pets
      parameters:
        - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 100}}
      responses: {"200": {description: A page of pets}}
  /pets/{petId}:
    get:
      operationId: getPet
      summary: Get one pet
      parameters:
        - {name: petId, in: path, required: true, schema: {type: string}}
      responses: {"200": {description: The pet}}
"""

NEW_ENDPOINT = """\
  /pets/{petId}/vaccinations:
    get:
      operationId: listVaccinations
      summary: List a pet's vaccinations
      parameters:
        - {name: petId, in: path, required: true, schema: {type: string}}
      responses: {"200": {description: The vaccinations}}
"""

WEATHER = """\
openapi: 3.0.3
info: {title: Weather, version: 0.3.0}
servers: [{url: "https://weather.example.test"}]
paths:
  /forecast:
    get:
      operationId: getForecast
      summary: Forecast for a city
      parameters:
        - {name: city, in: query, required: true, schema: {type: string}}
        - {name: days, in: query, schema: {type: integer, default: 3}}
      responses: {"200": {description: The forecast}}
"""


def tour(folder: Path) -> int:
    """Run every step in ``folder``; returns the exit code (0 when every check passed)."""
    pets, weather = folder / "pets.yaml", folder / "weather.yaml"
    pets.write_text(PETS)
    weather.write_text(WEATHER)
    with Registry(SQLiteStore(folder / "registry.db")) as registry:
        registry.on_change(report)
        registry.load(SpecConfig(source=str(pets), name="pets"), trigger=Trigger.CLI)
        registry.load(SpecConfig(source=str(weather), name="weather"), trigger=Trigger.CLI)
        print(registry.summary(), end="\n\n")

        pets.write_text(PETS + NEW_ENDPOINT)
        changes = registry.reload("pets", trigger=Trigger.FILE)
        print(f"Reload of pets.yaml: {changes.summary()} (added {', '.join(changes.added)})\n")

        problems = check_providers(registry)
        for entry in registry.history():
            print(f"  version {entry.version}: {entry.trigger:<8} {entry.spec:<8} {entry.summary}")
        back = registry.rollback(2, spec="pets")
        print(f"\nRolled pets back to version 2: {back.summary()}, now version {back.version}")
    return 1 if problems else 0


def check_providers(registry: Registry) -> int:
    """Check every provider's full tool list against its rules; returns the number of errors."""
    errors = 0
    for provider in PROVIDERS:
        definitions = registry.get_all(provider)
        issues = [i for i in check_tools(provider, definitions) if i.is_error]
        errors += len(issues)
        verdict = "ok" if not issues else "; ".join(str(i) for i in issues)
        print(f"  {provider:<12} {len(definitions)} tools: {verdict}")
    print()
    return errors


def report(event: ChangeEvent) -> None:
    """A change listener: one line per registry step."""
    if event.committed:
        print(f"[version {event.version}] {event.spec}: {event.summary()} ({event.trigger})")
    else:
        print(f"[kept version {event.version}] {event.spec}: {event.kind}")


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="toolsync-tour-") as folder:
        return tour(Path(folder))


if __name__ == "__main__":
    sys.exit(main())
