"""Request/reply over one framed channel, used by both the candidate and the judge.

Either side may call into the other while a call is in flight (a test passes a lambda the
candidate calls back), so waiting for a reply also serves the peer's nested requests.
Replies: ``["ok", value]``, ``["raise", type_name, message]`` or ``["exit", detail]``.

The judge's side is *strict*: the candidate may call only callables the tests handed to it in
this job (by the handle the judge gave out), nothing it names, and anything else it sends that
is not well-formed plain data is a ``ProtocolError`` that ends the job.
"""

from __future__ import annotations

import builtins

import codec


class CandidateExit(BaseException):
    """The candidate raised SystemExit (or similar) while the judge waited on it."""


class PeerGone(BaseException):
    """The other process closed the channel (it exited, crashed or was killed)."""


# What ends a job in the judge, whatever the test code around it catches.
JOB_ENDERS = (CandidateExit, PeerGone, codec.ProtocolError)


class Proxy:
    """A handle to an object that lives in the other process."""

    __slots__ = ("_conn", "_handle", "_type", "_text")

    def __init__(self, conn, handle, type_name, text):
        object.__setattr__(self, "_conn", conn)
        object.__setattr__(self, "_handle", handle)
        object.__setattr__(self, "_type", type_name)
        object.__setattr__(self, "_text", text)

    def __call__(self, *args, **kwargs):
        return self._conn.call(self, args, kwargs)

    def __repr__(self):
        return self._text or f"<sandboxed {self._type}>"

    def __eq__(self, other):  # identity only: the peer's __eq__ never decides anything here
        return isinstance(other, Proxy) and other._handle == self._handle

    def __hash__(self):
        return hash(("proxy", self._handle))

    def __bool__(self):
        raise TypeError(f"a sandboxed {self._type} object has no truth value on the judge side")


class RemoteObject(Proxy):
    """Judge-side proxy for a candidate object: call it, read and set attributes, nothing else."""

    __slots__ = ()

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return self._conn.request(["getattr", ["R", self._handle], name])

    def __setattr__(self, name, value):
        self._conn.request(["setattr", ["R", self._handle], name, self._conn.codec.encode(value)])


class Connection:
    """One side of the channel: exports local objects as handles and serves peer requests."""

    def __init__(self, fd: int, proxy_class=Proxy, allow_attributes: bool = False,
                 export_any: bool = True, strict: bool = False):
        self.fd = fd
        self.objects: dict[int, object] = {}
        self._ids: dict[int, int] = {}
        self._proxies: dict[int, Proxy] = {}
        self.proxy_class = proxy_class
        self.allow_attributes = allow_attributes
        self.export_any = export_any
        self.codec = codec.Codec(self._export, self._proxy, self._local,
                                 lambda v: isinstance(v, Proxy), strict)
        self.strict = strict
        self.handlers = {"call": self._serve_call}
        if allow_attributes:
            self.handlers.update(getattr=self._serve_getattr, setattr=self._serve_setattr)

    # -- handles -------------------------------------------------------------------------------
    def _export(self, obj):
        if not self.export_any and not callable(obj):
            raise TypeError(f"cannot send a {type(obj).__name__} object into the sandbox")
        handle = self._ids.get(id(obj))
        if handle is None:
            handle = len(self.objects) + 1
            self.objects[handle] = obj
            self._ids[id(obj)] = handle
        return handle

    def _proxy(self, handle, type_name, text):
        proxy = self._proxies.get(handle)
        if proxy is None:
            proxy = self.proxy_class(self, handle, type_name, text)
            self._proxies[handle] = proxy
        return proxy

    def _local(self, handle):
        if handle not in self.objects:
            raise KeyError(f"unknown handle {handle}")
        return self.objects[handle]

    # -- client side ---------------------------------------------------------------------------
    def call(self, target, args, kwargs):
        enc = self.codec.encode
        value, changed = self.request(["call", ["R", target._handle], [enc(a) for a in args],
                                       [[str(k), enc(v)] for k, v in kwargs.items()]],
                                      with_changes=True)
        for index, new in changed:  # the callee mutated a list/dict/set argument in place
            if not 0 <= index < len(args):
                raise codec.ProtocolError("change reported for an argument that was not passed")
            _update_in_place(args[index], self.codec.decode(new))
        return value

    def request(self, message, with_changes: bool = False):
        """Send a request (None: it was sent already) and return the decoded value of its reply,
        serving the peer's nested requests meanwhile."""
        if message is not None:
            self._io(codec.send, message)
        while True:
            reply = self._io(codec.recv)
            if type(reply) is not list or len(reply) < 2 or type(reply[0]) is not str:
                raise codec.ProtocolError("malformed reply")
            kind = reply[0]
            if kind == "ok":
                value = self.codec.decode(reply[1])
                if not with_changes:
                    return value
                changed = reply[2] if len(reply) > 2 and type(reply[2]) is list else []
                if any(type(c) is not list or len(c) != 2 or type(c[0]) is not int
                       for c in changed):
                    raise codec.ProtocolError("malformed argument changes")
                return value, [(i, new) for i, new in changed]
            if kind == "raise" and len(reply) == 3:
                raise exception_from(reply[1], reply[2])
            if kind == "exit":
                raise CandidateExit(str(reply[1]))
            self._io(codec.send, self.serve_one(reply))

    def _io(self, op, *args):
        """One channel operation; a closed or broken channel means the peer is gone."""
        try:
            return op(self.fd, *args)
        except (EOFError, OSError) as exc:
            raise PeerGone(str(exc)) from None

    # -- server side ---------------------------------------------------------------------------
    def serve_one(self, request) -> list:
        """Run one peer request and build its reply; never raises for the peer's faults."""
        handler = self.handlers.get(request[0]) if request else None
        if handler is None:
            if self.strict:
                raise codec.ProtocolError(f"request {str(request[:1])[:40]} not allowed")
            return ["raise", "RuntimeError", f"request {str(request[:1])[:40]} not allowed"]
        try:
            if self.strict and request[0] == "call" and len(request) != 4:
                raise codec.ProtocolError("malformed call")
            result = handler(*request[1:])
            if type(result) is _Changed:
                return ["ok", self.codec.encode(result.value), result.changes]
            return ["ok", self.codec.encode(result)]
        except (SystemExit, KeyboardInterrupt) as exc:
            return ["exit", f"{type(exc).__name__}({_text(exc)})"]
        except (CandidateExit, PeerGone):
            raise
        except codec.ProtocolError:
            if self.strict:
                raise
            return ["raise", "ProtocolError", "malformed request"]
        except BaseException as exc:  # the peer sees the exception by name and message
            return ["raise", type(exc).__name__, _text(exc)]

    def _call_target(self, target):
        """The judge calls only what it handed out itself: ``["R", handle]`` of an exported
        callable. The candidate's side resolves any of its own values (it trusts nothing)."""
        if not self.strict:
            return self.codec.decode(target)
        if (type(target) is not list or len(target) != 2 or target[0] != "R"
                or type(target[1]) is not int or target[1] not in self.objects):
            raise codec.ProtocolError("call on something the tests did not hand over")
        return self.objects[target[1]]

    def _serve_call(self, target, args, kwargs):
        fn = self._call_target(target)
        if type(args) is not list or type(kwargs) is not list:
            raise codec.ProtocolError("malformed call arguments")
        values = [self.codec.decode(a) for a in args]
        named = {}
        for pair in kwargs:
            if type(pair) is not list or len(pair) != 2 or type(pair[0]) is not str:
                raise codec.ProtocolError("malformed keyword argument")
            named[pair[0]] = self.codec.decode(pair[1])
        result = fn(*values, **named)
        changes = []
        for index, (raw, value) in enumerate(zip(args, values, strict=True)):
            if type(value) in _MUTABLE:
                try:
                    now = self.codec.encode(value)
                except Exception:
                    continue
                if now != raw:
                    changes.append([index, now])
        return _Changed(result, changes) if changes else result

    def _serve_getattr(self, target, name):
        return getattr(self.codec.decode(target), str(name))

    def _serve_setattr(self, target, name, value):
        setattr(self.codec.decode(target), str(name), self.codec.decode(value))


_MUTABLE = (list, dict, set, bytearray)


class _Changed:
    """A call's result plus the arguments it mutated (sent back so the caller sees them)."""

    __slots__ = ("value", "changes")

    def __init__(self, value, changes):
        self.value, self.changes = value, changes


def _update_in_place(target, new) -> None:
    if type(target) is not type(new):
        return
    if isinstance(target, (list, bytearray)):
        target[:] = new
    elif isinstance(target, (dict, set)):
        target.clear()
        target.update(new)


_NOT_FORWARDED = {"SystemExit", "KeyboardInterrupt", "GeneratorExit", "BaseException"}


def exception_from(name, message) -> BaseException:
    """Rebuild a peer's exception from plain data: a builtin class when the name is one."""
    name, message = str(name), str(message)
    cls = getattr(builtins, name, None)
    if (isinstance(cls, type) and issubclass(cls, BaseException) and name not in _NOT_FORWARDED
            and cls.__module__ == "builtins"):
        try:
            return cls(message)
        except Exception:
            pass
    return type(name if name.isidentifier() else "SandboxedError", (Exception,), {})(message)


def _text(exc) -> str:
    try:
        return str.__str__(str(exc))[:2000]
    except BaseException:
        return "<unprintable>"
