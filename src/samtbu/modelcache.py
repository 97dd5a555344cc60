"""The compiled-model cache: the work every process would otherwise do again before its first payload.

A fresh ``samtbu validate`` parsed ontology/, vocab/ and shapes/ with rdflib's Turtle parser, built the
JSON-LD context, parsed every SPARQL constraint with rdflib's SPARQL parser and compiled the fast
engine's generated functions: seconds, for a payload that then takes a millisecond. One cache entry
per model keeps the results:

- the model's graphs (ontology, vocab, shapes, each profile's shapes graph), as their triples in the
  order they were read and their prefixes; each graph is read from the entry only when first used;
- the profiles' names, IRIs and root classes, the class hierarchy, the JSON-LD context;
- the parsed SPARQL of every constraint (by query text), the source of the fast engine's generated
  functions (by the structure of the shapes, with where each constant of it comes from) and its code
  (by source text): the closures of the compiled shapes are made again from them in milliseconds.

The key is a SHA-256 of the content of every model file ``Model.load`` reads, the toolkit's version
and the source of its modules, the Python bytecode tag and the versions of rdflib and pyparsing (whose
objects the entry holds): a changed shape file, toolkit or library is another key, never a stale
entry. The parts that depend on a Grep snapshot (the SPARQL and code of shapes/grep.ttl, composed with
the snapshot's date) are a second entry, keyed by the model's key and that date.

Where: ``$SAMTBU_CACHE_DIR``, else the user's cache folder (``platformdirs``: ``$XDG_CACHE_HOME/samtbu``
or ``~/.cache/samtbu`` on Linux). ``SAMTBU_NO_CACHE=1``: nothing is read or written. An entry is built
on first use (or by ``samtbu cache build``), written to a temporary file beside it and renamed into
place, so processes that build at the same time each leave a whole entry and a reader sees a whole
entry or none. An entry that is unreadable, truncated, from another format, fails its checksum, or is
writable by other users is ignored and built again; a cache folder that cannot be written only
costs the time.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import pickle
import struct
import sys
import tempfile
import threading
import time
import zlib
from collections import OrderedDict
from pathlib import Path
from types import MethodType

FORMAT = 2
MAGIC = b"SAMTBUC\x02"
# magic, CRC-32 of everything after the header, length of the index; then the index (pickled: format,
# key, part name -> offset and length), then the parts, each unpickled only when it is used
_HEADER = struct.Struct(">8sIQ")
KEEP_ENTRIES = 8  # the most recently written entries kept; older ones are removed after a build
ENV_DIR = "SAMTBU_CACHE_DIR"
ENV_OFF = "SAMTBU_NO_CACHE"


def enabled() -> bool:
    return os.environ.get(ENV_OFF, "").strip().lower() in ("", "0", "false", "no")


def cache_dir() -> Path:
    given = os.environ.get(ENV_DIR)
    if given:
        return Path(given).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("samtbu", appauthor=False))


# -- the key ----------------------------------------------------------------------------------------

def _toolkit_digest() -> bytes:
    """The toolkit's version and the source of its modules (an editable checkout changes without a
    new version number)."""
    import samtbu

    package = Path(samtbu.__file__).resolve().parent
    digest = hashlib.sha256(f"{samtbu.__version__}\0".encode())
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.digest()


_TOOLKIT: list[bytes] = []


def model_files(root: Path) -> list[Path]:
    """Every file ``Model.load`` reads (and shapes/grep.ttl, composed with a Grep snapshot)."""
    from samtbu.model import Model

    files = Model.ontology_files(root) + Model.vocab_files(root) + Model.shape_module_files(root) + Model.profile_files(root)
    return sorted(set(files))


def model_key(root: Path) -> str:
    import pyparsing
    import rdflib

    if not _TOOLKIT:
        _TOOLKIT.append(_toolkit_digest())
    digest = hashlib.sha256(b"samtbu model cache %d\0" % FORMAT)
    digest.update(_TOOLKIT[0])
    digest.update(f"{sys.implementation.cache_tag}\0{sys.version_info[:3]}\0{rdflib.__version__}\0{pyparsing.__version__}\0".encode())
    for path in model_files(root):
        data = path.read_bytes()
        digest.update(f"{path.relative_to(root).as_posix()}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def entry_path(key: str, grep_date: str | None = None) -> Path:
    name = f"model-{key[:40]}" + (f"-grep-{hashlib.sha256(grep_date.encode()).hexdigest()[:16]}" if grep_date is not None else "")
    return cache_dir() / f"{name}.samtbu-cache"


# -- reading and writing an entry -------------------------------------------------------------------

class CacheEntryError(Exception):
    """An entry that cannot be used (truncated, corrupt, another format, not safe to read)."""


def read_entry(path: Path, key: str) -> dict:
    """The parts of an entry (name -> bytes, sliced from the file's content when used);
    ``CacheEntryError`` when the entry cannot be used. The file is read whole (a few milliseconds):
    a memory map would let a file cut short under a running process crash it."""
    try:
        with open(path, "rb") as handle:
            status = os.fstat(handle.fileno())
            # Unpickling runs code named in the file: only an entry nobody else could have written.
            if hasattr(os, "getuid") and (status.st_uid != os.getuid() or status.st_mode & 0o022):
                raise CacheEntryError(f"{path} is writable by others or not owned by this user")
            data = handle.read()
    except OSError as exc:
        raise CacheEntryError(str(exc)) from None
    if len(data) < _HEADER.size:
        raise CacheEntryError("truncated header")
    magic, crc, index_length = _HEADER.unpack_from(data)
    if magic != MAGIC:
        raise CacheEntryError("not a cache entry of this format")
    if zlib.crc32(memoryview(data)[_HEADER.size:]) != crc:
        raise CacheEntryError("truncated or corrupt")
    try:
        index = pickle.loads(memoryview(data)[_HEADER.size:_HEADER.size + index_length])
    except Exception as exc:  # noqa: BLE001 - whatever a damaged pickle raises
        raise CacheEntryError(f"unreadable ({type(exc).__name__})") from None
    if not isinstance(index, dict) or index.get("format") != FORMAT or index.get("key") != key or not isinstance(index.get("parts"), dict):
        raise CacheEntryError("another format or key")
    return _Parts(data, _HEADER.size + index_length, index["parts"])


class _Parts(dict):
    """Part name -> (offset, length) in the entry; indexing gives the part's bytes."""

    def __init__(self, data: bytes, start: int, offsets: dict):
        super().__init__(offsets)
        self._data, self._start = data, start

    def __getitem__(self, name: str) -> bytes:
        offset, length = dict.__getitem__(self, name)
        return self._data[self._start + offset:self._start + offset + length]


def write_entry(path: Path, key: str, parts: dict) -> bool:
    """Write atomically (temporary file in the same folder, renamed into place); False when the
    folder cannot be written."""
    offsets, position = {}, 0
    for name, blob in parts.items():
        offsets[name] = (position, len(blob))
        position += len(blob)
    index = pickle.dumps({"format": FORMAT, "key": key, "parts": offsets}, protocol=pickle.HIGHEST_PROTOCOL)
    crc = zlib.crc32(index)
    for blob in parts.values():
        crc = zlib.crc32(blob, crc)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".samtbu-cache")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(_HEADER.pack(MAGIC, crc, len(index)))
                out.write(index)
                for blob in parts.values():
                    out.write(blob)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        except BaseException:
            with _suppress_os_error():
                os.unlink(temporary)
            raise
    except OSError:
        return False
    _prune(path.parent)
    return True


class _suppress_os_error:
    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        return kind is not None and issubclass(kind, OSError)


def _prune(folder: Path) -> None:
    """Keep the most recent entries; a temporary file older than an hour is a build that died."""
    with _suppress_os_error():
        entries = sorted(folder.glob("model-*.samtbu-cache"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[KEEP_ENTRIES:]:
            with _suppress_os_error():
                old.unlink()
        for temporary in folder.glob(".tmp-*.samtbu-cache"):
            with _suppress_os_error():
                if time.time() - temporary.stat().st_mtime > 3600:
                    temporary.unlink()


# -- the parsed SPARQL and compiled code, by their text ---------------------------------------------

def _rebuild_comp_value(cls, name, items, evalfn, attrs):
    from rdflib.plugins.sparql.parserutils import Expr

    value = cls.__new__(cls)
    OrderedDict.__init__(value)
    value.name = name
    for k, v in items:
        OrderedDict.__setitem__(value, k, v)
    if issubclass(cls, Expr):
        value._evalfn = MethodType(evalfn, value) if evalfn is not None else None
    value.__dict__.update(attrs)
    return value


def _reduce_comp_value(value):
    evalfn = value.__dict__.get("_evalfn")
    attrs = {k: v for k, v in value.__dict__.items() if k not in ("name", "_evalfn")}
    return _rebuild_comp_value, (type(value), value.name, list(dict.items(value)),
                                 evalfn.__func__ if evalfn is not None else None, attrs)


def dumps_algebra(algebra) -> bytes:
    """rdflib's SPARQL algebra as bytes (its nodes, ``CompValue`` and ``Expr``, need a reducer: an
    ``Expr`` holds its evaluation function bound to itself)."""
    import copyreg
    import io

    from rdflib.plugins.sparql.parserutils import CompValue, Expr

    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = copyreg.dispatch_table.copy()
    pickler.dispatch_table[CompValue] = _reduce_comp_value
    pickler.dispatch_table[Expr] = _reduce_comp_value
    pickler.dump(algebra)
    return buffer.getvalue()


class CompileMemo:
    """Parsed SPARQL and compiled code by their text, for the whole process: what a cache entry
    supplies, and (while an entry is built) what was made, to be written into it."""

    def __init__(self):
        self.algebra_blobs: dict[str, bytes] = {}
        self.code_blobs: dict[str, bytes] = {}
        self.generated_blobs: dict[str, bytes] = {}
        self.recording: dict | None = None
        self._lock = threading.Lock()

    def algebra(self, text: str):
        blob = self.algebra_blobs.get(text)
        if blob is None:
            return None
        try:
            return pickle.loads(blob)
        except Exception:  # noqa: BLE001 - a damaged part: parsed again
            self.algebra_blobs.pop(text, None)
            return None

    def record_algebra(self, text: str, algebra) -> None:
        """While an entry is built: keep a query the compilation used (parsed now or before)."""
        recording = self.recording
        if recording is not None and text not in recording["algebra"]:
            with self._lock:
                blob = self.algebra_blobs.get(text)
                if blob is None:
                    try:
                        blob = dumps_algebra(algebra)
                    except Exception:  # noqa: BLE001 - not storable: parsed again next time
                        return
                recording["algebra"][text] = blob

    def code(self, source: str, filename: str):
        """``compile(source, filename, "exec")``, from the entry when it holds it."""
        key = hashlib.sha256(f"{filename}\0{source}".encode()).hexdigest()
        blob = self.code_blobs.get(key)
        code = None
        if blob is not None:
            try:
                code = marshal.loads(blob)
            except Exception:  # noqa: BLE001 - a damaged part: compiled again
                self.code_blobs.pop(key, None)
        if code is None:
            code = compile(source, filename, "exec")
        if self.recording is not None:
            with self._lock:
                self.recording["code"][key] = blob if blob is not None else marshal.dumps(code)
        return code

    def generated(self, key: str):
        """The generated source (and where its constants come from) kept for a structure of shapes
        (``samtbu.validate.fast.codegen``), or None."""
        blob = self.generated_blobs.get(key)
        if blob is None:
            return None
        try:
            kept = pickle.loads(blob)  # noqa: S301 - a part of our own entry (its owner and checksum checked)
        except Exception:  # noqa: BLE001 - a damaged part: generated again
            self.generated_blobs.pop(key, None)
            return None
        if self.recording is not None:
            with self._lock:
                self.recording["generated"][key] = blob
        return kept

    def record_generated(self, key: str, source: str, recipe: dict) -> None:
        try:
            blob = pickle.dumps((source, recipe), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 - not storable: generated again next time
            return
        with self._lock:
            self.generated_blobs[key] = blob
            if self.recording is not None:
                self.recording["generated"][key] = blob

    def load(self, parts: dict) -> None:
        with self._lock:
            self.algebra_blobs.update(pickle.loads(parts["algebra"]))
            self.code_blobs.update(pickle.loads(parts["code"]))
            if "generated" in parts:
                self.generated_blobs.update(pickle.loads(parts["generated"]))  # noqa: S301 - as above

    def recorded_code(self) -> frozenset:
        return frozenset(self.recording["code"]) if self.recording is not None else frozenset()

    def start_recording(self) -> None:
        self.recording = {"algebra": {}, "code": {}, "generated": {}}

    def stop_recording(self) -> dict:
        """What the compilations since ``start_recording`` used, as the parts of an entry."""
        recorded, self.recording = self.recording or {"algebra": {}, "code": {}, "generated": {}}, None
        return {"algebra": pickle.dumps(recorded["algebra"]), "code": pickle.dumps(recorded["code"]),
                "generated": pickle.dumps(recorded["generated"])}


MEMO = CompileMemo()


# -- graphs -----------------------------------------------------------------------------------------

def _graph_from_store(store, identifier):
    from rdflib import Graph

    # bind_namespaces="none": the store keeps the graph's own prefixes (rdflib would add its defaults)
    return Graph(store=store, identifier=identifier, bind_namespaces="none")


def _reduce_graph(graph):
    return _graph_from_store, (graph.store, graph.identifier)


def dumps_graph(graph) -> bytes:
    """The graph with its store as it is: the triples' insertion order (which every pattern query
    follows), the prefixes, the contexts; loading it is a few times faster than adding its triples."""
    import copyreg
    import io

    from rdflib import Graph

    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = copyreg.dispatch_table.copy()
    pickler.dispatch_table[Graph] = _reduce_graph
    pickler.dump(graph)
    return buffer.getvalue()


def compile_view(graph):
    """A copy of a shapes graph in rdflib's SimpleMemory store, for the fast engine's compiler only:
    the same three indexes in the same order (so that every pattern query answers in the same order),
    without the Memory store's bookkeeping of contexts (half of the compile time). None when the
    store is not rdflib's Memory store as this version knows it. ``build_entry`` keeps a view only
    when it compiles to the same generated code as the graph itself."""
    from rdflib import Graph

    indexes = [getattr(graph.store, f"_Memory__{name}", None) for name in ("spo", "pos", "osp")]
    if type(graph.store).__name__ != "Memory" or any(not isinstance(index, dict) for index in indexes):
        return None
    view = Graph(store="SimpleMemory", identifier=graph.identifier, bind_namespaces="none")
    for prefix, namespace in graph.namespaces():
        view.bind(prefix, namespace, override=True, replace=True)
    for name, index in zip(("spo", "pos", "osp"), indexes):
        setattr(view.store, f"_SimpleMemory__{name}", {a: {b: dict(c) for b, c in bs.items()} for a, bs in index.items()})
    return view


def shapes_to_compile(model, profile):
    """What the fast engine compiles for a profile of ``model``: its view from the cache entry
    (``compile_view``), or its shapes graph."""
    view = model.derived.get("compile-view:" + profile.name)
    if view is not None and model.profiles.get(profile.name) is profile:
        return model.derive("compile-view:" + profile.name, None)
    return profile.shapes


def loads_graph(blob: bytes):
    import gc

    # Thousands of small objects at once: the cyclic garbage collector would scan them again and again.
    enabled_gc = gc.isenabled()
    gc.disable()
    try:
        return pickle.loads(blob)
    finally:
        if enabled_gc:
            gc.enable()


# -- the model ----------------------------------------------------------------------------------------

_ENTRY_LOCK = threading.Lock()

# What else an entry keeps: values made from the model, each by a function that returns
# ``model.derive(name, ...)`` (so that a model from the cache has it without making it).
DERIVED = {
    "context": "samtbu.jsonld:context_document",
    "fast-json-terms": "samtbu.validate.fast.input:json_terms",
}


def _make_derived(model) -> dict:
    import importlib

    made = {}
    for name, reference in DERIVED.items():
        module, function = reference.split(":")
        getattr(importlib.import_module(module), function)(model)
        made[name] = pickle.dumps(model.derived[name], protocol=pickle.HIGHEST_PROTOCOL)
    return made


def load_model(root: Path, parse_files):
    """The model at ``root``: from its cache entry (graphs read when first used), or parsed by
    ``parse_files(root)`` and its entry built."""
    if not enabled():
        return parse_files(root)
    try:
        key = model_key(root)
    except OSError:
        return parse_files(root)
    path = entry_path(key)
    try:
        return _lazy_model(root, read_entry(path, key), parse_files)
    except Exception:  # noqa: BLE001 - an entry that cannot be used (CacheEntryError, or a damaged part): built again
        pass
    model = parse_files(root)
    build_entry(model, key, path)
    return model


def _lazy_model(root: Path, parts: dict, parse_files):
    """A model whose graphs and derived values are read from ``parts`` when first used. Should a part
    fail to load then (the entry was checked whole when opened), the model files are parsed instead."""
    from rdflib import URIRef

    from samtbu.model import Deferred, Model, Profile

    meta = pickle.loads(parts["meta"])
    parsed: list = []

    def from_files():
        if not parsed:
            parsed.append(parse_files(root))
        return parsed[0]

    def graph(name: str):
        def load():
            try:
                return loads_graph(parts["graph:" + name])
            except Exception:  # noqa: BLE001 - see above
                model = from_files()
                return model.profiles[name.removeprefix("profile:")].shapes if name.startswith("profile:") else getattr(model, name)
        return Deferred(load)

    def view(name: str):
        def load():
            try:
                return loads_graph(parts["view:" + name])
            except Exception:  # noqa: BLE001 - the profile's own graph compiles the same
                return model.profiles[name].shapes
        return Deferred(load)

    def derived(name: str):
        def load():
            try:
                return pickle.loads(parts["derived:" + name])
            except Exception:  # noqa: BLE001 - made again from the parsed model
                import importlib

                module, function = DERIVED[name].split(":")
                return getattr(importlib.import_module(module), function)(from_files())
        return Deferred(load)

    profiles = {
        name: Profile(name=name, iri=URIRef(iri), path=root / relative, shapes=graph("profile:" + name),
                      root_classes=frozenset(URIRef(c) for c in classes))
        for name, iri, relative, classes in meta["profiles"]
    }
    for name in profiles:
        if "graph:profile:" + name not in parts:
            raise KeyError(name)
    model = Model(root=root, ontology=graph("ontology"), vocab=graph("vocab"), shapes=graph("shapes"), profiles=profiles)
    model.derived["subclass_pairs"] = [(URIRef(s), URIRef(o)) for s, o in meta["subclass_pairs"]]
    for name in DERIVED:
        model.derived[name] = derived(name)
    for name in profiles:
        if "view:" + name in parts:
            model.derived["compile-view:" + name] = view(name)
    MEMO.load(parts)
    return model


def _start_build() -> None:
    """Record from here on; the compiled-query cache of this process is emptied so that every query
    and plan a profile uses is met (and recorded) again."""
    from samtbu.validate.fast import forget_compiled_queries

    forget_compiled_queries()
    MEMO.start_recording()


def _compile_join_plans(model, compiled_profiles) -> None:
    """The fast engine generates a SPARQL query's join plans when a record first needs them: the
    model's examples are validated once here, so that the plans they need are in the entry too."""
    from samtbu.validate.fast import read_fast
    from samtbu.validate.fast import Data

    for example in model.example_files(".json"):
        try:
            triples = read_fast(example, model=model).triples
            for compiled in compiled_profiles:
                compiled.validate(Data(triples))
        except Exception:  # noqa: BLE001 - only a head start: a plan not made here is made when needed
            continue


def build_entry(model, key: str, path: Path) -> bool:
    """Compile every profile once (recording the parsed SPARQL and the generated code) and write the
    entry. A profile the fast engine leaves to pyshacl is simply not compiled; shapes that no engine
    accepts leave no entry (the validation reports them)."""
    from samtbu.validate.fast import CompiledShapes, Unsupported

    with _ENTRY_LOCK:
        _start_build()
        try:
            pairs = model.subclass_pairs()
            hierarchy = [(str(s), str(o)) for s, o in pairs]
            views, compiled_profiles = {}, []
            for profile in model.profiles.values():
                try:
                    compiled_profiles.append(CompiledShapes(profile.shapes, hierarchy))
                except Unsupported:
                    continue
                view = compile_view(profile.shapes)
                if view is not None:
                    known = MEMO.recorded_code()
                    CompiledShapes(view, hierarchy)
                    if MEMO.recorded_code() == known:  # the same generated code: the same compilation
                        views[profile.name] = view
            derived = _make_derived(model)
            _compile_join_plans(model, compiled_profiles)
        except Exception:  # noqa: BLE001 - the model cannot be compiled: no entry, the caller reports it
            MEMO.stop_recording()
            return False
        compiled = MEMO.stop_recording()
    parts = {
        "meta": pickle.dumps({
            "profiles": [(p.name, str(p.iri), p.path.relative_to(model.root).as_posix(), sorted(str(c) for c in p.root_classes))
                         for p in model.profiles.values()],
            "subclass_pairs": [(str(s), str(o)) for s, o in pairs],
        }),
        "graph:ontology": dumps_graph(model.ontology),
        "graph:vocab": dumps_graph(model.vocab),
        "graph:shapes": dumps_graph(model.shapes),
        **{"graph:profile:" + p.name: dumps_graph(p.shapes) for p in model.profiles.values()},
        **{"view:" + name: dumps_graph(view) for name, view in views.items()},
        **{"derived:" + name: blob for name, blob in derived.items()},
        **compiled,
    }
    return write_entry(path, key, parts)


# -- with a Grep snapshot -------------------------------------------------------------------------------

_GREP_LOADED: set = set()


def use_grep_entry(model, snapshot_date: str, compose) -> None:
    """Make the parsed SPARQL and code of the profiles composed with a Grep snapshot (``compose(name)``
    gives a composed profile) available: from their entry, or compiled once and written."""
    if not enabled() or (str(model.root), snapshot_date) in _GREP_LOADED:
        return
    _GREP_LOADED.add((str(model.root), snapshot_date))
    try:
        key = model_key(model.root)
    except OSError:
        return
    path = entry_path(key, snapshot_date)
    try:
        MEMO.load(read_entry(path, key))
        return
    except (CacheEntryError, KeyError, TypeError, ValueError, pickle.UnpicklingError, EOFError):
        pass
    from samtbu.validate.fast import CompiledShapes, Unsupported

    with _ENTRY_LOCK:
        _start_build()
        try:
            hierarchy = [(str(s), str(o)) for s, o in model.subclass_pairs()]
            for name in model.profiles:
                try:
                    CompiledShapes(compose(name).shapes, hierarchy)
                except Unsupported:
                    pass
        except Exception:  # noqa: BLE001 - reported when the profile is used
            MEMO.stop_recording()
            return
        compiled = MEMO.stop_recording()
    write_entry(path, key, compiled)


# -- `samtbu cache` ---------------------------------------------------------------------------------------

def entries() -> list[Path]:
    folder = cache_dir()
    return sorted(folder.glob("model-*.samtbu-cache")) if folder.is_dir() else []


def register(sub) -> None:
    p = sub.add_parser("cache", help="the compiled-model cache: build, show or clear it",
                       description=(
                           "Every samtbu command needs the model parsed and its shapes compiled; the cache keeps that work "
                           f"in one file per model (in ${ENV_DIR}, else the user cache folder). It is built on first use; "
                           f"build it ahead (an image, an installation) with `samtbu cache build`. {ENV_OFF}=1 turns it off."))
    actions = p.add_subparsers(dest="cache_command", metavar="ACTION", required=True)
    build = actions.add_parser("build", help="build the entry of the installed model (and of the configured Grep snapshot)")
    from samtbu.grep.cli import add_grep_option

    add_grep_option(build)
    build.set_defaults(func=_cmd_build)
    actions.add_parser("info", help="where the cache is, whether it is on, its entries").set_defaults(func=_cmd_info)
    actions.add_parser("clear", help="remove every entry").set_defaults(func=_cmd_clear)


def _cmd_build(args) -> int:
    from samtbu.errors import SamtbuError
    from samtbu.model import _parse_model, default_root

    if not enabled():
        raise SamtbuError(f"the cache is turned off ({ENV_OFF} is set)")
    root = default_root()
    key = model_key(root)
    path = entry_path(key)
    started = time.perf_counter()
    model = _parse_model(root)
    if not build_entry(model, key, path):
        raise SamtbuError(f"cannot write the cache entry {path} (or the model's shapes cannot be compiled)")
    print(f"built {path} ({path.stat().st_size / 1e6:.1f} MB, {time.perf_counter() - started:.1f} s)")
    from samtbu.validate import snapshot_for

    snapshot = snapshot_for(args.grep)
    if snapshot is not None:
        from samtbu.validate.engine import _with_grep

        grep_path = entry_path(key, snapshot.date)
        with _suppress_os_error():
            grep_path.unlink()
        _GREP_LOADED.discard((str(root), snapshot.date))
        use_grep_entry(model, snapshot.date, lambda name: _with_grep(str(model.root), name, snapshot.date))
        if grep_path.is_file():
            print(f"built {grep_path} (Grep snapshot of {snapshot.date})")
    return 0


def _cmd_info(args) -> int:
    from samtbu.model import default_root

    folder = cache_dir()
    print(f"cache folder: {folder}" + ("" if enabled() else f"  (off: {ENV_OFF} is set)"))
    current = entry_path(model_key(default_root())).name
    found = entries()
    for path in found:
        mark = "  (this model)" if path.name == current else (
            "  (this model, a Grep snapshot)" if path.name.startswith(current.removesuffix(".samtbu-cache")) else "")
        print(f"  {path.name}  {path.stat().st_size / 1e6:.1f} MB{mark}")
    if not found:
        print("  no entries")
    return 0


def _cmd_clear(args) -> int:
    removed = 0
    for path in entries():
        with _suppress_os_error():
            path.unlink()
            removed += 1
    print(f"removed {removed} entr{'y' if removed == 1 else 'ies'} from {cache_dir()}")
    return 0


__all__ = ["enabled", "cache_dir", "model_key", "entry_path", "load_model", "build_entry", "use_grep_entry", "MEMO",
           "CompileMemo", "read_entry", "write_entry", "CacheEntryError", "dumps_algebra"]
