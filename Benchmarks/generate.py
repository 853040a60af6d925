#!/usr/bin/env python3
"""Generates a synthetic architecture of N elements, seeded, as a Moat model and as an OWASP pytm script.

The mix is meant to look like real systems: trust zones (internet, partner, several internal
segments with nested restricted data zones), about 8% actors, 60% processes and 32% datastores,
about 1.4 flows per element, a dozen data assets, and common security attributes set at random
(authentication, encryption, logging, validation) so that analysis has real work to do.

    python3 Benchmarks/generate.py 1000 --seed 7 --moat out/gen-1000.moat --pytm out/gen-1000.py
"""
import argparse
import random

PROTOCOLS_CLEAR = ["http", "grpc", "postgres", "amqp", "redis"]
PROTOCOLS_TLS = ["https", "grpcs", "postgres-tls", "amqps", "rediss"]
PROCESS_TYPES = ["api", "web-app", "worker", "gateway", "function", "batch"]
STORE_TYPES = ["sql", "nosql", "object-store", "cache", "queue", "log"]


class Architecture:
    def __init__(self, n, seed):
        rnd = random.Random(seed)
        self.rnd = rnd
        zones = max(3, n // 25)
        # Boundaries: internet (untrusted), partner, then internal segments, each with a nested restricted zone.
        self.boundaries = [("internet", "Internet", "untrusted", None), ("partners", "Partner networks", "partner", None)]
        segments = max(1, (zones - 2) // 2)
        for s in range(segments):
            self.boundaries.append((f"seg{s}", f"Segment {s}", "internal", None))
            self.boundaries.append((f"seg{s}-data", f"Segment {s} data zone", "restricted", f"seg{s}"))
        self.data = []
        for d in range(12):
            cls = ["public", "internal", "confidential", "secret"][d % 4]
            tags = [["pii"], ["credentials"], ["payment"], ["health"], [], ["financial"]][d % 6]
            self.data.append((f"d{d}", f"Data asset {d}", cls, tags))
        self.elements = []  # (id, kind, name, boundary, attributes)
        actors = max(2, n * 8 // 100)
        stores = n * 32 // 100
        processes = n - actors - stores
        for i in range(actors):
            boundary = "internet" if i % 3 else "partners"
            self.elements.append((f"a{i}", "actor", f"User group {i}", boundary, {"type": "user" if i % 3 else "partner"}))
        seg_names = [b[0] for b in self.boundaries if b[2] == "internal"]
        data_names = [b[0] for b in self.boundaries if b[2] == "restricted"]
        for i in range(processes):
            attrs = {"type": rnd.choice(PROCESS_TYPES)}
            if i % 10 == 0:
                attrs["internet-facing"] = True
            if rnd.random() < 0.6:
                attrs["authn"] = rnd.choice(["token", "oidc", "mtls", "session"])
            if rnd.random() < 0.5:
                attrs["authz"] = "rbac"
            if rnd.random() < 0.5:
                attrs["validates-input"] = True
            if rnd.random() < 0.4:
                attrs["logs"] = rnd.choice(["basic", "audit"])
            attrs["processes"] = [rnd.choice(self.data)[0]]
            # Internet-facing services live in the first segment, the edge, as in real deployments.
            segment = seg_names[0] if attrs.get("internet-facing") else rnd.choice(seg_names)
            self.elements.append((f"p{i}", "process", f"Service {i}", segment, attrs))
        for i in range(stores):
            attrs = {"type": rnd.choice(STORE_TYPES)}
            if rnd.random() < 0.6:
                attrs["encrypted-at-rest"] = True
            if rnd.random() < 0.5:
                attrs["backups"] = True
            attrs["stores"] = sorted({rnd.choice(self.data)[0] for _ in range(2)})
            self.elements.append((f"s{i}", "datastore", f"Store {i}", rnd.choice(data_names), attrs))
        # Flows: actors to internet-facing processes, processes to processes and stores.
        procs = [e for e in self.elements if e[1] == "process"]
        store_list = [e for e in self.elements if e[1] == "datastore"]
        facing = [p for p in procs if p[4].get("internet-facing")] or procs[:1]
        self.flows = []
        seen = set()

        def flow(src, dst, name):
            if src == dst or (src, dst) in seen:
                return False
            seen.add((src, dst))
            tls = rnd.random() < 0.65
            proto = rnd.choice(PROTOCOLS_TLS if tls else PROTOCOLS_CLEAR)
            carries = [rnd.choice(self.data)[0]] if rnd.random() < 0.5 else []
            self.flows.append((src, dst, name, proto, carries))
            return True

        for a in [e for e in self.elements if e[1] == "actor"]:
            for _ in range(2):
                flow(a[0], rnd.choice(facing)[0], "Request")
        # Locality, as in real systems: most calls stay inside a segment, some go to a neighbouring one,
        # and each data zone is used by its own segment's services.
        by_segment = {}
        for p in procs:
            by_segment.setdefault(p[3], []).append(p)

        def near(p):
            i = seg_names.index(p[3])
            segment = p[3] if rnd.random() < 0.85 or len(seg_names) == 1 else seg_names[(i + rnd.choice([-1, 1])) % len(seg_names)]
            return rnd.choice(by_segment.get(segment) or procs)

        for p in procs:
            for _ in range(rnd.choice([1, 1, 2])):
                for _attempt in range(4):  # retry so no service is left without a call
                    if flow(p[0], near(p)[0], "Call"):
                        break
        for s in store_list:
            owner = s[3][: -len("-data")]
            flow(rnd.choice(by_segment.get(owner) or procs)[0], s[0], "Read and write")
        # Data carried into a store must be stored there (keeps the model lint-clean).
        stores_by_id = {s[0]: s for s in store_list}
        self.flows = [(a, b, n_, p, [c for c in cs if b not in stores_by_id or c in stores_by_id[b][4]["stores"]])
                      for (a, b, n_, p, cs) in self.flows]

    def moat(self):
        out = ["model \"Generated architecture\" {", "  owner \"benchmark\"", "  maturity 3",
               "  practices security-policies, security-reviews, threat-modelling", "}", ""]
        used = {c for f in self.flows for c in f[4]} | {d for e in self.elements for d in e[4].get("stores", []) + e[4].get("processes", [])}
        for d, name, cls, tags in self.data:
            if d in used:
                out.append(f"data {d} \"{name}\" {{ classification {cls}" + "".join(f"; {t}" for t in tags) + " }")
        out.append("")
        children = {}
        for b in self.boundaries:
            children.setdefault(b[3], []).append(b)
        members = {}
        for e in self.elements:
            members.setdefault(e[3], []).append(e)

        def attr_text(attrs):
            parts = []
            for k, v in attrs.items():
                if v is True:
                    parts.append(k)
                elif isinstance(v, list):
                    parts.append(f"{k} {', '.join(v)}")
                else:
                    parts.append(f"{k} {v}")
            return " { " + "; ".join(parts) + " }" if parts else ""

        def emit(b, indent):
            pad = "  " * indent
            out.append(f"{pad}boundary {b[0]} \"{b[1]}\" {{")
            out.append(f"{pad}  trust {b[2]}")
            for e in members.get(b[0], []):
                out.append(f"{pad}  {e[1]} {e[0]} \"{e[2]}\"{attr_text(e[4])}")
            for c in children.get(b[0], []):
                emit(c, indent + 1)
            out.append(f"{pad}}}")

        for b in children.get(None, []):
            emit(b, 0)
        out.append("")
        for src, dst, name, proto, carries in self.flows:
            attrs = {"protocol": proto}
            if carries:
                attrs["carries"] = carries
            out.append(f"{src} -> {dst} \"{name}\"{attr_text(attrs)}")
        return "\n".join(out) + "\n"

    def pytm(self):
        # pytm 1.4 (pydantic models with extra="allow") accepts any attribute name silently, and security
        # controls live on `element.controls`; `put` refuses names the installed pytm does not declare, so
        # a drift in pytm's API fails the script instead of quietly measuring a model without controls.
        out = ["import sys, time, resource",
               "from pytm import TM, Actor, Boundary, Dataflow, Datastore, Process, Data, Classification",
               "from pytm.enums import TLSVersion",
               "start = time.perf_counter()",
               "def put(obj, **values):",
               "    for key, value in values.items():",
               "        if key not in type(obj).model_fields:",
               "            sys.exit(f'pytm API mismatch: {type(obj).__name__} has no field {key!r}')",
               "        setattr(obj, key, value)",
               "tm = TM(\"Generated architecture\")",
               "tm.description = \"Synthetic benchmark model\"",
               "tm.isOrdered = True",
               "tm.mergeResponses = True",
               "B = {}"]
        for bid, name, trust, parent in self.boundaries:
            out.append(f"B[{bid!r}] = Boundary({name!r})")
            if parent:
                out.append(f"put(B[{bid!r}], inBoundary=B[{parent!r}])")
        levels = {"public": "PUBLIC", "internal": "RESTRICTED", "confidential": "SENSITIVE", "secret": "SECRET"}
        out.append("D = {}")
        for d, name, cls, tags in self.data:
            flags = "".join(f", {flag}=True" for tag, flag in (("pii", "isPII"), ("credentials", "isCredentials")) if tag in tags)
            out.append(f"D[{d!r}] = Data({name!r}, classification=Classification.{levels[cls]}{flags})")
        sensitive = {d for d, _, cls, tags in self.data if cls in ("confidential", "secret") or tags}
        out.append("E = {}")
        for eid, kind, name, boundary, attrs in self.elements:
            cls = {"actor": "Actor", "process": "Process", "datastore": "Datastore"}[kind]
            out.append(f"E[{eid!r}] = {cls}({name!r}); put(E[{eid!r}], inBoundary=B[{boundary!r}])")
            if kind == "process":
                authn, authz, validates = bool(attrs.get("authn")), bool(attrs.get("authz")), bool(attrs.get("validates-input"))
                out.append(f"put(E[{eid!r}].controls, implementsAuthenticationScheme={authn}, authenticatesSource={authn}, "
                           f"hasAccessControl={authz}, authorizesSource={authz}, validatesInput={validates}, "
                           f"sanitizesInput={validates})")
            if kind == "datastore":
                out.append(f"put(E[{eid!r}], isSQL={attrs['type'] == 'sql'}, "
                           f"storesSensitiveData={any(d in sensitive for d in attrs['stores'])})")
                out.append(f"put(E[{eid!r}].controls, isEncryptedAtRest={bool(attrs.get('encrypted-at-rest'))})")
        for i, (src, dst, name, proto, carries) in enumerate(self.flows):
            tls = proto in PROTOCOLS_TLS
            out.append(f"f = Dataflow(E[{src!r}], E[{dst!r}], {name + ' ' + str(i)!r}); put(f, protocol={proto.upper()!r}"
                       + (", tlsVersion=TLSVersion.TLSv12" if tls else "") + f"); put(f.controls, isEncrypted={tls})")
            if carries:
                out.append(f"put(f, data=[{', '.join(f'D[{c!r}]' for c in carries)}])")
        out += ["tm.resolve()",
                "elapsed = time.perf_counter() - start",
                "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024",
                "print(f'pytm findings={len(tm.findings)} seconds={elapsed:.3f} peak_mib={peak:.1f}')"]
        return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", type=int, help="number of elements (actors + processes + datastores)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--moat", help="write the Moat model here")
    parser.add_argument("--pytm", help="write the pytm script here")
    args = parser.parse_args()
    arch = Architecture(args.n, args.seed)
    if args.moat:
        with open(args.moat, "w") as f:
            f.write(arch.moat())
    if args.pytm:
        with open(args.pytm, "w") as f:
            f.write(arch.pytm())
    if not args.moat and not args.pytm:
        print(arch.moat(), end="")


if __name__ == "__main__":
    main()
