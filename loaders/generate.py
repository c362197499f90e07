"""Deterministic synthetic regions in the interchange format (benchmarks, the demo region).

``generate_region(enterprises, seed)`` returns the cells of every interchange file as text, exactly
as they would appear in the CSV; ``write_region`` writes them.  Same inputs give identical output:
all randomness comes from ``random.Random`` instances seeded from ``seed`` (one per section, so a
change in one section does not shift the others); no set or hash order is iterated; no clock.

With ``base`` (districts, parks, institutions, stations, service points of a real region) only the
enterprise-side files are generated, referencing the base ids.

Sizes (per enterprise ``n``; "at 30,000" is what 30,000 enterprises give):

=================  =============================================  ===========
file               rule                                           at 30,000
=================  =============================================  ===========
districts          Shanghai's 16 districts + 临港新片区             17
parks              n/200, at least 3                              150
institutions       n/100, at least 8                              300
stations           12 districts (闵行: a core and a station)      13
service_points     1-3 per station, at parks/institutions         ~26
enterprises        n                                              30,000
products           5n/3                                           50,000
patents            20n/3, Pareto per organisation                 200,000
key_projects       2% of products                                 1,000
capabilities       ~1 per enterprise (+1-2 per institution)       ~30,200
collaborations     n                                              30,000
trials             ~0.5 per clinical-stage drug                   ~2,800
service_records    10n/3                                          100,000
=================  =============================================  ===========

About 14.8 rows per enterprise: ``enterprises=70_000`` gives about 1,000,000 rows.

Every synthetic name carries （演示）; patent numbers (CN19…A, CN29…U) and registration serials
(9000-9999) come from ranges no real document uses, so nothing generated can be read as a claim
about a real company, product or patent.
"""

from __future__ import annotations

import csv
import random
from bisect import bisect
from datetime import date, timedelta
from itertools import accumulate
from pathlib import Path

from loaders import names as N
from loaders.interchange import FILE_BY_NAME, FILES
from ontology import ENUMS, FIELD_BY_ID
from ontology.identifiers import USCC_CHARS, uscc_check_char
from ontology.segments import inferred_needs

FIELDS, UNMAPPED_IPC = N.FIELDS, N.UNMAPPED_IPC
BASE_FILES = ("districts", "parks", "institutions", "stations", "service_points")
RATIOS = {"parks": 1 / 200, "institutions": 1 / 100, "products": 5 / 3, "patents": 20 / 3,
          "service_records": 10 / 3, "key_projects": 0.02, "capabilities": 1.0, "collaborations": 1.0}


def _table(weights: dict) -> tuple[tuple, list[float]]:
    return tuple(weights), list(accumulate(weights.values()))


def _pick(rng: random.Random, table: tuple[tuple, list[float]]):
    values, cw = table
    return values[bisect(cw, rng.random() * cw[-1])]


_T = {"scale": _table(N.SCALE), "credit": _table(N.CREDIT), "inst": _table(N.INSTITUTION_TYPES),
      "grade": _table(N.GRADE), "level": _table(N.LEVEL), "field": _table({f: w for f, (w, _) in FIELDS.items()}),
      "district": _table({d[0]: d[2] for d in N.DISTRICTS}),
      **{f"class.{k}": _table(v) for k, v in N.CLASS.items()}, **{f"stage.{k}": _table(v) for k, v in N.STAGE.items()},
      **{f"des.{k}": _table(v) for k, v in N.DESIGNATIONS.items()}}
_DISTRICT = {d[0]: d for d in N.DISTRICTS}
_ORG_VALUE = {c: int(c, 36) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}  # GB 11714: A=10 … Z=35


def org_code(body8: str) -> str:
    """GB 11714 organisation code: 8 characters and a check character (weights 3,7,9,10,5,8,4,2)."""
    r = 11 - sum(_ORG_VALUE[c] * w for c, w in zip(body8, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    return body8 + ("X" if r == 10 else "0" if r == 11 else str(r))


def make_uscc(i: int, division: str, modern: bool) -> str:
    """The i-th USCC: injective in i (an affine map mod 31**6 or 10**8), so all are unique."""
    if modern:  # post-2015 codes: MA + 6 characters of the USCC alphabet
        k, body = (i * 7919 + 104729) % 31**6, ""
        for _ in range(6):
            k, r = divmod(k, 31)
            body = USCC_CHARS[r] + body
        body = "MA" + body
    else:  # older 8-digit organisation codes
        body = f"{(i * 7919 + 31337) % 10**8:08d}"
    first17 = "91" + division + org_code(body)
    return first17 + uscc_check_char(first17)


def _split(cell: str | None) -> list[str]:
    return [p.strip() for p in (cell or "").split(";") if p.strip()]


def _true(cell: str | None) -> bool:
    return (cell or "").strip().lower() in ("true", "1", "yes", "y", "是")


def _index(items, key) -> dict[str, list]:
    """Group items by a key (insertion-ordered; empty keys dropped)."""
    out: dict[str, list] = {}
    for item in items:
        k = key(item)
        if k:
            out.setdefault(k, []).append(item)
    return out


def _row(file: str, *cells: str) -> dict[str, str]:
    return dict(zip((c.name for c in FILE_BY_NAME[file].columns), cells, strict=True))


class _Region:
    def __init__(self, n: int, seed: int, base: dict | None, as_of: date) -> None:
        self.n, self.seed, self.as_of = n, seed, as_of
        self.days = [(as_of - timedelta(days=d)).isoformat() for d in range(366 * 16)]  # days[k]: k days before
        self.out: dict[str, list[dict[str, str]]] = {}
        if base is None:
            self.districts = [_row("districts", f"district:{k}", name, "" if k == "lingang" else k,
                                   "special_area" if k == "lingang" else "district", "", "", "")
                              for k, name, *_ in N.DISTRICTS]
            self.parks = self._parks()
            self.insts = self._institutions()
            self.stations, self.points = self._stations()
            made = (self.districts, self.parks, self.insts, self.stations, self.points)
            self.out.update(zip(BASE_FILES, made, strict=True))
        else:
            self.districts, self.parks, self.insts, self.stations, self.points = (
                list(base.get(name, ())) for name in BASE_FILES)

    def rng(self, section: str) -> random.Random:
        """One generator per section, so that changing one section does not shift the others."""
        return random.Random(f"biokg.generate:{self.seed}:{section}")

    def date(self, rng: random.Random, lo: int, hi: int) -> str:
        return self.days[rng.randrange(lo, hi)]

    def fields(self, rng: random.Random, k: int) -> list[str]:
        return [_pick(rng, _T["field"]) for _ in range(k)]

    # --- the base part, when no real one is given ---------------------------------------------
    @staticmethod
    def _place(rng: random.Random, key: str) -> tuple[str, str]:
        _, _, _, _, lat, lon = _DISTRICT[key]
        return f"{lat + rng.uniform(-0.03, 0.03):.5f}", f"{lon + rng.uniform(-0.03, 0.03):.5f}"

    def _parks(self) -> list[dict]:
        rng, rows = self.rng("parks"), []
        for i in range(1, max(3, round(self.n * RATIOS["parks"])) + 1):
            key, brand = _pick(rng, _T["district"]), rng.choice(N.HEAD) + rng.choice(N.TAIL)
            lat, lon = self._place(rng, key)
            rows.append(_row("parks", f"park:syn{i:04d}", f"示例{brand}{rng.choice(N.PARK_KINDS)}{N.MARK}",
                             f"district:{key}", f"上海市{_DISTRICT[key][1]}示例路{rng.randint(1, 3000)}号{N.MARK}",
                             lat, lon, ";".join(sorted(set(self.fields(rng, rng.randint(1, 3))))),
                             f"{brand}园{N.MARK}" if rng.random() < 0.2 else ""))
        return rows

    def _institutions(self) -> list[dict]:
        rng, rows = self.rng("institutions"), []
        parks_in = _index(self.parks, lambda r: r["district"])
        # the first eight make every type a small region needs (two GCP hospitals among them)
        fixed = ("hospital", "hospital", "university", "research_institute", "testing_lab", "agency", "hospital",
                 "association")
        for i in range(1, max(8, round(self.n * RATIOS["institutions"])) + 1):
            kind = fixed[i - 1] if i <= len(fixed) else _pick(rng, _T["inst"])
            key = _pick(rng, _T["district"])
            name = rng.choice(N.INSTITUTION_NAMES[kind]).format(
                b=rng.choice(N.HEAD) + rng.choice(N.TAIL), n=i, d=_DISTRICT[key][1]) + N.MARK
            parks = parks_in.get(f"district:{key}")
            in_park = parks and kind in ("research_institute", "testing_lab") and rng.random() < 0.3
            park = rng.choice(parks)["id"] if in_park else ""
            grade = gcp_drug = gcp_device = specialties = ""
            if kind == "hospital":
                grade = "3A" if i <= 2 else _pick(rng, _T["grade"])
                p_drug, p_device = (1.0, 1.0) if i <= 2 else N.GCP.get(grade, (0.0, 0.0))
                gcp_drug, gcp_device = ("true" if rng.random() < p else "false" for p in (p_drug, p_device))
                specialties = ";".join(rng.sample(N.SPECIALTIES, rng.randint(2, 4)))
            k = {"university": 3, "research_institute": 2, "hospital": 1}.get(kind, 0)
            fields = ";".join(sorted(set(self.fields(rng, rng.randint(1, k))))) if k else ""
            rows.append(_row("institutions", f"institution:syn{i:04d}", name, kind, f"district:{key}", park, grade,
                             gcp_drug, "", "", gcp_device, specialties, fields, "", *self._place(rng, key),
                             "", "", "", "", ""))
        return rows

    def _stations(self) -> tuple[list[dict], list[dict]]:
        rng, stations, points = self.rng("stations"), [], []
        sites_in = _index(self.parks + self.insts, lambda r: r["district"])
        for key, dname, _, scope, *_ in N.DISTRICTS:
            if scope is None:  # districts left without a station: coverage gaps
                continue
            sites = [r["id"] for r in sites_in.get(f"district:{key}", ())]
            sid = f"station:syn-{key}"
            own = [(sid, "station", scope, "")]
            if scope == "core":  # 一核多站: the core and a station under it
                own = [(sid + "-core", "core", "both", ""), (sid, "station", "both", sid + "-core")]
            for j, (station, kind, sc, parent) in enumerate(own):
                site = sites[j] if j < len(sites) else ""
                label = "核心站" if kind == "core" else "工作站"
                stations.append(_row("stations", station, f"示例{dname}生物医药产品注册指导服务{label}{N.MARK}",
                                     f"district:{key}", kind, sc, parent, site, ""))
                free = [s for s in sites if s != site]
                for k, s in enumerate(rng.sample(free, min(len(free), rng.randint(1, 3))), 1):
                    points.append(_row("service_points", f"service_point:syn-{station[12:]}-{k}",
                                       f"示例{dname}注册指导服务点{len(points) + 1}{N.MARK}", station, s))
        return stations, points

    # --- the enterprise side --------------------------------------------------------------------
    def run(self) -> dict[str, list[dict[str, str]]]:
        for section in (self._enterprises, self._products, self._key_projects, self._patents,
                        self._capabilities, self._collaborations, self._trials, self._service_records):
            section()
        return {f.name: self.out[f.name] for f in FILES if f.name in self.out}

    def _enterprises(self) -> None:
        rng, rows = self.rng("enterprises"), []
        dids = [r["id"] for r in self.districts] or list(dict.fromkeys(
            r["district"] for r in self.parks + self.insts + self.stations if r.get("district"))) or [""]
        codes = {r["id"]: r.get("code", "") for r in self.districts}
        fallback = next((c for c in codes.values() if len(c) == 6 and c.isdigit()), "310000")
        parks_in = _index(self.parks, lambda r: r.get("district"))
        # enterprises gather where the parks are
        districts = _table({d: _DISTRICT.get(d[9:], (0, 0, 1))[2] + 2 * len(parks_in.get(d, ())) for d in dids})
        used: set[str] = set()
        # organisations: enterprises first, then institutions; parallel lists indexed by org number
        self.org_id, self.org_district, self.org_park, self.org_fields, self.org_type = [], [], [], [], []
        for i in range(self.n):
            d = _pick(rng, districts)
            parks = parks_in.get(d)
            park = None  # the first parks of a district are the big ones (Pareto rank)
            if parks and rng.random() < 0.8:
                park = parks[min(int(rng.paretovariate(1.2)) - 1, len(parks) - 1)]
            focus = [f for f in _split(park.get("fields")) if f in FIELDS] if park else []  # leaf fields only
            fields = [rng.choice(focus) if focus and rng.random() < 0.6 else self.fields(rng, 1)[0]]
            extra = self.fields(rng, 1)[0] if rng.random() < 0.3 else fields[0]
            if extra != fields[0] and FIELD_BY_ID[extra].domain == FIELD_BY_ID[fields[0]].domain:
                fields.append(extra)
            domain = FIELD_BY_ID[fields[0]].domain
            scale = _pick(rng, _T["scale"])
            listed = scale == "large" and rng.random() < 0.25 or scale == "medium" and rng.random() < 0.02
            industry = rng.choice(N.INDUSTRY.get(fields[0]) or N.INDUSTRY[domain])
            for size in (2, 2, 3, 3, 3, 3, 4, 4, 4, 4):  # longer brands only once the short ones are taken
                brand = rng.choice(N.HEAD) + "".join(rng.choice(N.TAIL) for _ in range(size - 1))
                if brand + industry not in used:
                    break
            used.add(brand + industry)
            suffix = "股份有限公司" if listed or scale == "large" and rng.random() < 0.5 else "有限公司"
            code = codes.get(d) or ""
            division = code if len(code) == 6 else N.CODE_FOR.get(d, fallback)
            modern = scale in ("small", "micro") or rng.random() < 0.4  # older, bigger firms keep old org codes
            eid, pid = f"enterprise:syn{i + 1:06d}", park["id"] if park else ""
            rows.append(_row("enterprises", eid, f"{brand}{industry}{N.MARK}{suffix}",
                             make_uscc(i + self.seed * 1_000_003, division, modern), d, pid, scale, ";".join(fields),
                             _pick(rng, _T["credit"]), "true" if listed else "false", "", "", "", "",
                             f"{brand}{N.SHORT[domain]}{N.MARK}" if rng.random() < 0.1 else ""))
            self._add_org(eid, d, pid, fields, "enterprise")
        self.out["enterprises"] = rows
        for r in self.insts:
            fields = [f for f in _split(r.get("fields")) if f in FIELDS]
            self._add_org(r["id"], r.get("district", ""), r.get("park", ""), fields or self.fields(rng, 1),
                          ENUMS["institution_type"].parse(r.get("type", "")) or "other")

    def _add_org(self, oid: str, district: str, park: str, fields: list[str], kind: str) -> None:
        self.org_id.append(oid), self.org_district.append(district), self.org_park.append(park)
        self.org_fields.append(fields), self.org_type.append(kind)

    def _products(self) -> None:
        rng, rows, n = self.rng("products"), [], self.n
        weights = [{"large": 8, "medium": 3, "small": 1.5, "micro": 1}[r["scale"]] for r in self.out["enterprises"]]
        weights += [{"research_institute": 2, "university": 1, "hospital": 0.5}.get(t, 0) for t in self.org_type[n:]]
        total = round(n * RATIOS["products"])
        owners = rng.choices(range(len(weights)), cum_weights=list(accumulate(weights)), k=total)
        self.products, self.owned = [], {}  # (id, owner org, type, stage, field, innovative, plain name)
        seq: dict[str, int] = {}
        for i, o in enumerate(owners, 1):
            field = self.org_fields[o][0] if rng.random() < 0.75 else rng.choice(self.org_fields[o])
            if FIELD_BY_ID[field].domain == "drug":
                ptype = "drug"
            else:
                ptype = "ivd" if field == "field:molecular_diagnostics" and rng.random() < 0.8 else "device"
            cls = "" if ptype == "drug" else _pick(rng, _T[f"class.{ptype}"])
            stage = _pick(rng, _T["stage.I" if cls == "I" else "stage.drug" if ptype == "drug" else "stage.device"])
            templates, fillers = N.PRODUCTS[field]
            name = rng.choice(templates).format(t=rng.choice(fillers))
            if ptype != "drug":
                name += f" SY-{rng.randint(100, 999)}型"
            reg = self._registration(rng, seq, ptype, cls, field, o) if stage == "approved" else ""
            x = rng.random()
            channel = "none"
            if cls in ("II", "III") and stage != "research":
                channel = "national" if x < 0.05 else "shanghai" if x < 0.13 else "none"
            code_name = ptype == "drug" and stage in ("research", "preclinical", "clinical") and x > 0.7
            pid = f"product:syn{i:07d}"
            rows.append(_row("products", pid, name + N.MARK, ptype, cls, field, self.org_id[o], stage, reg, channel,
                             _pick(rng, _T[f"des.{'drug' if ptype == 'drug' else 'device'}"]),
                             f"SYN-{rng.randint(1000, 9999)}" if code_name else ""))
            self.owned.setdefault(o, []).append(len(self.products))
            self.products.append((pid, o, ptype, stage, field, channel != "none", name))
        self.out["products"] = rows

    def _registration(self, rng, seq: dict[str, int], ptype: str, cls: str, field: str, owner: int) -> str:
        """A number of the format of the type and class (国药准字H…, 国械注准…3…, 沪械注准…2…, 沪闵械备…号)."""
        year = self.as_of.year - min(int(rng.expovariate(0.15)), 15)
        if ptype == "drug":
            biologic = field == "field:biologic" or FIELD_BY_ID[field].parent == "field:biologic"
            prefix = f"国药准字{'Z' if field == 'field:tcm' else 'S' if biologic else 'H'}{year}"
        elif cls == "I":
            dname = next((r["name"] for r in self.districts if r["id"] == self.org_district[owner]), "")
            prefix = f"沪{N.FILING.get(dname[:2], '')}械备{year}"
        else:
            authority = "国" if cls == "III" else "沪"
            prefix = f"{authority}械注准{year}{len(cls)}{rng.choice(('06', '07', '08', '10', '13', '22'))}"
        k = seq[prefix] = seq.get(prefix, rng.randint(0, 50)) + rng.randint(1, 3)  # serial numbers per prefix
        # serials 9000-9999: far above what a year's registrations reach, so none is a real number
        return f"{prefix}{9000 + k % 1000:04d}" + ("号" if cls == "I" else "")

    def _key_projects(self) -> None:
        rng, rows, self.projects = self.rng("key_projects"), [], []  # (id, product index, level)
        cand = [j for j, p in enumerate(self.products) if p[5] or p[3] in ("clinical", "submitted")]
        cand = cand or list(range(len(self.products)))
        k = min(len(cand), round(len(self.products) * RATIOS["key_projects"]))
        for i, j in enumerate(sorted(rng.sample(cand, k)), 1):
            pid, owner, *_, name = self.products[j]
            level, kid = _pick(rng, _T["level"]), f"key_project:syn{i:05d}"
            title = f"{name}研发及产业化项目{N.MARK}"
            rows.append(_row("key_projects", kid, title, level, pid, self.org_id[owner], ""))
            self.projects.append((kid, j, level))
        self.out["key_projects"] = rows

    def _patents(self) -> None:
        rng, rows, n = self.rng("patents"), [], self.n
        # heavy tail: Pareto weights; a third of enterprises file nothing; universities and institutes file most
        scale_w = {"large": 6, "medium": 2, "small": 1, "micro": 0.5}
        type_w = {"university": 60, "research_institute": 40, "hospital": 8, "testing_lab": 2}
        weights = [0 if rng.random() < 0.35 else scale_w[r["scale"]] * rng.paretovariate(1.1)
                   for r in self.out["enterprises"]]
        weights += [type_w.get(t, 0) * rng.paretovariate(1.1) for t in self.org_type[n:]]
        weights = [min(w, 400) for w in weights]  # so that no single applicant dwarfs the region
        applicants = rng.choices(range(len(weights)), cum_weights=list(accumulate(weights)),
                                 k=round(n * RATIOS["patents"]))
        by_field = _index(range(len(self.org_id)), lambda o: self.org_fields[o][0])
        self.copatents = []  # (patent id, org a, org b, date)
        offset, count = {"A": rng.randrange(10**7), "U": rng.randrange(10**7)}, {"A": 0, "U": 0}
        for o in applicants:
            field = self.org_fields[o][0] if rng.random() < 0.75 else rng.choice(self.org_fields[o])
            codes = FIELDS[field][1]
            x = rng.random()
            ipc = rng.choice(UNMAPPED_IPC) if x < 0.1 else rng.choice(codes)
            second = rng.choice(UNMAPPED_IPC if x > 0.85 else codes) if x > 0.6 else ipc
            if second != ipc:
                ipc += ";" + second
            # utility models protect devices, never drugs
            kind = "U" if FIELD_BY_ID[field].domain == "device" and rng.random() < 0.5 else "A"
            # 7_654_321 is prime to 10**7, so the serial numbers of a kind never repeat.  CN19…A and
            # CN29…U lie decades beyond today's publication numbers: no synthetic patent can be
            # mistaken for a real one.
            serial = (count[kind] * 7_654_321 + offset[kind]) % 10**7 + 9 * 10**7
            count[kind] += 1
            pno, age, y = f"CN{'2' if kind == 'U' else '1'}{serial}{kind}", rng.randrange(180, 366 * 15), rng.random()
            if kind == "U":  # utility models are granted on publication and lapse after ten years
                status = "expired" if age > 3650 or y > 0.85 else "granted"
            elif age < 1100:
                status = "pending" if y < 0.7 else "granted" if y < 0.95 else "withdrawn"
            else:
                status = ("granted" if y < 0.6 else "rejected" if y < 0.72 else "withdrawn" if y < 0.85
                          else "expired" if y < 0.93 else "pending")
            names = [self.org_id[o]]
            if rng.random() < 0.08:  # co-applied: mostly a partner of the same field
                b = rng.choice(by_field.get(field) or [o]) if rng.random() < 0.7 else rng.randrange(len(self.org_id))
                if b != o:
                    names.append(self.org_id[b])
                    self.copatents.append((pno, o, b, self.days[age]))
            share = 0.35 if self.org_type[o] != "enterprise" else 0.05  # institutions offer patents for transfer
            templates, fillers = N.PRODUCTS[field]
            subject = rng.choice(fillers)
            if rng.random() < 0.5:
                subject = rng.choice(templates).format(t=subject)
            transferable = status == "granted" and rng.random() < share
            rows.append({"id": pno, "title": f"一种{subject}{'' if kind == 'U' else rng.choice(N.PATENT_ENDS)}{N.MARK}",
                         "ipc": ipc, "applicants": ";".join(names), "application_date": self.days[age],
                         "status": status, "transferable": "true" if transferable else "false"})
        self.out["patents"] = rows

    def _capabilities(self) -> None:
        rng, rows = self.rng("capabilities"), []

        def add(o: int, direction: str, segment: str, field: str) -> None:
            rows.append({"org": self.org_id[o], "direction": direction, "segment": segment, "field": field})

        for o, kind in enumerate(self.org_type):
            field = self.org_fields[o][0]
            domain = FIELD_BY_ID[field].domain
            if kind == "enterprise":
                if rng.random() < 0.5:
                    segment = f"segment:{domain}.{rng.choice(N.SEGMENTS[domain])}"
                    add(o, "provides", segment, field if rng.random() < 0.9 else "")
                if rng.random() < 0.5:
                    owned = self.owned.get(o)
                    if owned:  # a need that follows from one of its products' stage
                        _, _, ptype, stage, pfield, *_ = self.products[rng.choice(owned)]
                        add(o, "needs", rng.choice(inferred_needs(ptype, stage)), pfield)
                    else:
                        add(o, "needs", f"segment:{domain}.{rng.choice(N.SEGMENTS[domain])}", field)
            elif kind == "hospital":  # GCP-filed hospitals say so, without a field
                row = self.insts[o - self.n]
                for gcp, seg in (("gcp_drug", "segment:drug.clinical"),
                                 ("gcp_device", "segment:device.clinical_evaluation")):
                    if _true(row.get(gcp)):
                        add(o, "provides", seg, "")
            elif kind in N.INSTITUTION_PROVIDES:
                offers = [s for s in N.INSTITUTION_PROVIDES[kind] if s in N.SEGMENTS[domain]]
                for s in offers or [N.SEGMENTS[domain][0]]:
                    add(o, "provides", f"segment:{domain}.{s}", field)
        self.out["capabilities"] = rows

    def _collaborations(self) -> None:
        rng, rows, n = self.rng("collaborations"), [], self.n
        total = round(n * RATIOS["collaborations"])
        for pno, a, b, day in self.copatents[: total // 5]:  # co-patents, with the patent as evidence
            rows.append({"a": self.org_id[a], "b": self.org_id[b], "type": "co_patent", "date": day, "evidence": pno})
        by_park = _index(range(n), lambda o: self.org_park[o])
        by_field = _index(range(len(self.org_id)), lambda o: self.org_fields[o][0])
        institutions = list(range(n, len(self.org_id)))
        while len(rows) < total and len(self.org_id) > 1:
            a, x = rng.randrange(n), rng.random()
            # clustered: mostly a neighbour in the park or a peer in the field, else an institution
            pool = (by_park.get(self.org_park[a]) if x < 0.45 else by_field.get(self.org_fields[a][0]) if x < 0.75
                    else institutions if x < 0.9 else None)
            b = rng.choice(pool) if pool and len(pool) > 1 else rng.randrange(len(self.org_id))
            if b == a:
                continue
            kind = self.org_type[b]
            if kind == "hospital":
                ctype = "clinical_trial"
            elif kind in ("university", "research_institute"):
                ctype = rng.choice(("joint_project", "license", "co_patent"))
            else:
                ctype = rng.choice(("supply", "supply", "joint_project", "license"))
            rows.append({"a": self.org_id[a], "b": self.org_id[b], "type": ctype, "date": self.date(rng, 0, 1826),
                         "evidence": f"合作协议{N.MARK}" if rng.random() < 0.3 else ""})
        self.out["collaborations"] = rows

    def _trials(self) -> None:
        rng, rows = self.rng("trials"), []
        sites = {r["id"]: 3 if r.get("grade") == "3A" else 1 for r in self.insts
                 if ENUMS["institution_type"].parse(r.get("type", "")) == "hospital" and _true(r.get("gcp_drug"))}
        table = _table(sites)
        for pid, _, ptype, stage, *_ in self.products if sites else ():
            if ptype == "drug" and stage == "clinical" and rng.random() < 0.28:  # 0.28 x 1.8 sites ~ 0.5
                chosen = dict.fromkeys(_pick(rng, table) for _ in range(rng.choice((1, 1, 2, 2, 3))))
                rows.extend({"product": pid, "site": s, "date": self.date(rng, 0, 1096), "trials": ""} for s in chosen)
        self.out["trials"] = rows

    def _service_records(self) -> None:
        rng, rows = self.rng("service_records"), []
        stations = {r["id"]: r.get("district", "") for r in self.stations}
        ents = _index(range(self.n), lambda o: self.org_district[o])
        prods = _index(range(len(self.products)), lambda j: self.org_district[self.products[j][1]])
        projs = _index(range(len(self.projects)), lambda k: self.org_district[self.products[self.projects[k][1]][1]])
        parks = _index(self.parks, lambda r: r.get("district"))

        def add(station: str, target: str, kind: str, day: str) -> None:
            note = rng.choice(N.RECORD_NOTES[kind]) + N.MARK if rng.random() < 0.3 else ""
            rows.append({"id": f"record:syn{len(rows) + 1:07d}", "station": station, "target": target,
                         "date": day, "type": kind, "note": note})

        # the policy asks for 100% tracking of innovative products and municipal+ projects: most get it
        for d, own in _index(stations, lambda s: stations[s]).items():
            for j in prods.get(d, ()):
                if self.products[j][5] and rng.random() < 0.85:
                    add(rng.choice(own), self.products[j][0], "tracking", self.date(rng, 0, 170))
            for k in projs.get(d, ()):
                if self.projects[k][2] != "district" and rng.random() < 0.9:
                    add(rng.choice(own), self.projects[k][0], "tracking", self.date(rng, 0, 170))
        busy = _table({s: 1 + len(ents.get(d, ())) for s, d in stations.items()})
        served = list(ents)
        while stations and served and len(rows) < round(self.n * RATIOS["service_records"]):
            station = _pick(rng, busy)
            d = stations[station] if rng.random() < 0.85 else rng.choice(served)  # mostly its own district
            x = rng.random()
            if x < 0.35 and prods.get(d):
                target, kind = self.products[rng.choice(prods[d])][0], "tracking" if x < 0.28 else "consultation"
            elif x < 0.40 and projs.get(d):
                target, kind = self.projects[rng.choice(projs[d])][0], "tracking"
            elif x < 0.43 and parks.get(d):
                target, kind = rng.choice(parks[d])["id"], rng.choice(("training", "visit"))
            elif ents.get(d):
                target = self.org_id[rng.choice(ents[d])]
                kind = rng.choice(("visit", "visit", "consultation", "consultation", "training", "tracking"))
            else:
                continue
            add(station, target, kind, self.date(rng, 0, 731))
        self.out["service_records"] = rows


def generate_region(enterprises: int, seed: int = 0, base: dict[str, list[dict]] | None = None,
                    as_of: str = "2026-06-30") -> dict[str, list[dict[str, str]]]:
    """Rows per interchange file (cells as CSV text) of a synthetic region; see the module docstring."""
    if enterprises < 1:
        raise ValueError("enterprises must be at least 1")
    return _Region(enterprises, seed, base, date.fromisoformat(as_of)).run()


def write_region(rows: dict[str, list[dict]], out_dir: Path) -> list[Path]:
    """Write one UTF-8 CSV per non-empty file (header in interchange column order); return the paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for spec in FILES:
        if not rows.get(spec.name):
            continue
        path, cols = out_dir / f"{spec.name}.csv", [c.name for c in spec.columns]
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
            writer.writerow(cols)
            writer.writerows([r.get(c, "") for c in cols] for r in rows[spec.name])
        paths.append(path)
    return paths
