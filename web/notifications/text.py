"""The words of a notification, built from its fields.

Plain text: templates and the browser client escape it where it is shown.
"""

_NOUNS = {"graph": "graph", "layout": "layout", "group": "group"}


def describe(*, kind: str, verb: str, actor_name: str, target_type: str, target_name: str, group_name: str = "") -> str:
    noun = _NOUNS.get(target_type, target_type)
    thing = f"{noun} “{target_name}”"
    if kind == "owner":
        return f"You {verb} {thing}."
    if verb == "shared" and group_name:
        return f"{actor_name} shared {thing} with “{group_name}”."
    if group_name and target_type != "group":
        return f"{actor_name} {verb} {thing} in “{group_name}”."
    return f"{actor_name} {verb} {thing}."
