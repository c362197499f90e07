"""Checks that involve several properties of one node (declared per kind, run by every store)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ontology.identifiers import check_product_registration

Rule = Callable[[dict[str, Any]], list[tuple[str, str]]]  # -> [(property, message)]


def _product(props: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    kind, cls, reg = props.get("type"), props.get("device_class"), props.get("registration_no")
    if kind == "drug" and cls:
        out.append(("device_class", f"a drug has no device class (got {cls!r})"))
    if reg:
        problem = check_product_registration(kind, cls, reg)
        if problem:
            out.append(("registration_no", problem))
    return out


def _institution(props: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    if props.get("grade") and props.get("type") != "hospital":
        out.append(("grade", f"only hospitals have a grade (type is {props.get('type')!r})"))
    filing, year = props.get("gcp_drug_filing"), props.get("gcp_drug_year")
    if filing and props.get("gcp_drug") is False:
        out.append(("gcp_drug", f"false, but the drug GCP filing {filing} is given"))
    if filing and year is not None and str(year) != filing[7:11]:  # 药临床机构备字YYYY…: the year is in the number
        out.append(("gcp_drug_year", f"{year} is not the year of the filing {filing}"))
    return out


NODE_RULES: dict[str, tuple[Rule, ...]] = {
    "Product": (_product,),
    "Institution": (_institution,),
}


def check_node_rules(kind: str, props: dict[str, Any]) -> list[tuple[str, str]]:
    """Cross-property problems of a node as (property, message) pairs."""
    return [problem for rule in NODE_RULES.get(kind, ()) for problem in rule(props)]
