"""The YAML LAVA reads, written without a YAML library: block mappings and
sequences, every string double-quoted the JSON way (valid YAML)."""
import json
import re

PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def key(name):
    name = str(name)
    return name if PLAIN_KEY.match(name) and name not in ("true", "false", "null", "yes", "no", "on", "off") else json.dumps(name)


def scalar(value):
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(str(value))


def lines(value, indent=0):
    pad = " " * indent
    out = []
    if isinstance(value, dict):
        if not value:
            return [pad + "{}"]
        for name, item in value.items():
            if isinstance(item, (dict, list)) and item:
                out.append(f"{pad}{key(name)}:")
                out += lines(item, indent + 2)
            else:
                out.append(f"{pad}{key(name)}: {scalar_or_empty(item)}")
        return out
    if isinstance(value, list):
        if not value:
            return [pad + "[]"]
        for item in value:
            if isinstance(item, (dict, list)) and item:
                sub = lines(item, indent + 2)
                out.append(f"{pad}- {sub[0].lstrip()}")
                out += sub[1:]
            else:
                out.append(f"{pad}- {scalar_or_empty(item)}")
        return out
    return [pad + scalar(value)]


def scalar_or_empty(value):
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return scalar(value)


def dump(value):
    return "\n".join(lines(value)) + "\n"
