"""``python -m dasv.config``: write the deployment YAML's JSON Schema (``deployment.schema.json``)."""

from dasv.config import SCHEMA_FILE, json_schema

SCHEMA_FILE.write_text(json_schema(), encoding="utf-8")
print(f"wrote {SCHEMA_FILE}")
