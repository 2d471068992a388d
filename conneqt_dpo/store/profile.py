"""Loading the organisation profile shipped in resources/."""

from __future__ import annotations

import json
from functools import cache

from conneqt_dpo._bundled import resources_dir
from conneqt_dpo.domain.organisation import Organisation


@cache
def default_organisation() -> Organisation:
    data = json.loads((resources_dir() / "organisation.json").read_text(encoding="utf-8"))
    return Organisation.from_mapping(data)
