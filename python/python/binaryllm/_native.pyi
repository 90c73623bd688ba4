"""Type stubs of the extension module (python/src/*.rs); the docstrings are on the functions."""

from os import PathLike
from pathlib import Path
from typing import Any, Callable, Dict, Literal, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

__version__: str

_Order = Literal["faiss", "packbits", "u64"]
_ByteOrder = Literal["faiss", "packbits"]
_Floats = npt.ArrayLike
_Codes = Union[npt.NDArray[np.uint8], npt.NDArray[np.uint64]]
_Found = Tuple[npt.NDArray[np.int32], npt.NDArray[np.int64]]
_Ranked = Tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]
_Path = Union[str, PathLike[str]]

class Projection:
    def __init__(
        self,
        kind: str = "gaussian",
        dims: int = 384,
        bits: int = 256,
        seed: int = 0,
        threshold: str = "zero",
    ) -> None: ...
    @staticmethod
    def train(
        kind: str,
        x: _Floats,
        bits: int,
        *,
        seed: int = 0,
        threshold: str = "zero",
        iterations: int = 50,
        sample: Optional[int] = None,
        copy: Optional[bool] = None,
    ) -> "Projection": ...
    @staticmethod
    def load(dir: Union[str, PathLike[str]]) -> "Projection": ...
    def save(self, dir: Union[str, PathLike[str]], *, force: bool = False) -> Path: ...
    def encode(
        self,
        x: _Floats,
        *,
        order: _Order = "faiss",
        threads: Optional[int] = None,
        copy: Optional[bool] = None,
    ) -> _Codes: ...
    def project(
        self, x: _Floats, *, threads: Optional[int] = None, copy: Optional[bool] = None
    ) -> npt.NDArray[np.float32]: ...
    @property
    def kind(self) -> str: ...
    @property
    def dims(self) -> int: ...
    @property
    def bits(self) -> int: ...
    @property
    def seed(self) -> int: ...
    @property
    def threshold(self) -> str: ...
    @property
    def thresholds(self) -> npt.NDArray[np.float32]: ...

class Index:
    def __init__(
        self, bits: int, *, order: _ByteOrder = "faiss", projection: Optional[Projection] = None
    ) -> None: ...
    @staticmethod
    def from_codes(
        codes: _Codes,
        bits: int,
        *,
        order: _ByteOrder = "faiss",
        projection: Optional[Projection] = None,
    ) -> "Index": ...
    @staticmethod
    def open(
        path: _Path, *, order: _ByteOrder = "faiss", projection: Optional[Projection] = None
    ) -> "Index": ...
    def save(self, path: _Path, *, force: bool = False) -> Path: ...
    def save_faiss(self, path: _Path, *, force: bool = False) -> Path: ...
    def add(self, codes: _Codes) -> None: ...
    def add_floats(
        self, x: _Floats, *, threads: Optional[int] = None, copy: Optional[bool] = None
    ) -> None: ...
    def search(self, queries: _Codes, k: int, *, threads: Optional[int] = None) -> _Found: ...
    def search_floats(
        self,
        queries: _Floats,
        k: int,
        *,
        rerank: Optional[int] = None,
        base: Optional[_Floats] = None,
        asymmetric: bool = False,
        threads: Optional[int] = None,
        copy: Optional[bool] = None,
    ) -> _Ranked: ...
    @property
    def ntotal(self) -> int: ...
    @property
    def bits(self) -> int: ...
    @property
    def mapped(self) -> bool: ...
    @property
    def projection(self) -> Optional[Projection]: ...
    def words(self) -> npt.NDArray[np.uint64]: ...
    def __len__(self) -> int: ...

def quantize(
    emb: _Floats,
    precision: Literal["ubinary", "binary"] = "ubinary",
    *,
    rule: Literal[">", ">="] = ">",
    order: _ByteOrder = "packbits",
    copy: Optional[bool] = None,
) -> Union[npt.NDArray[np.uint8], npt.NDArray[np.int8]]: ...
def inspect(
    codes: Union[npt.NDArray[np.uint8], npt.NDArray[np.int8], npt.NDArray[np.bool_]],
    floats: _Floats,
) -> Dict[str, Any]: ...
def convert(
    codes: Union[npt.NDArray[np.uint8], npt.NDArray[np.int8], npt.NDArray[np.bool_]],
    *,
    bit_order: Optional[Literal["lsb", "msb"]] = None,
    unpacked: bool = False,
    signed_offset: bool = False,
    polarity: Literal["positive", "negative"] = "positive",
    bits: Optional[int] = None,
    order: _Order = "faiss",
) -> _Codes: ...
def hamming(a: _Codes, b: _Codes, *, bits: Optional[int] = None) -> npt.NDArray[np.int32]: ...
def knn(
    base: _Codes,
    queries: _Codes,
    k: int,
    *,
    bits: Optional[int] = None,
    threads: Optional[int] = None,
) -> _Found: ...
def evaluate(
    base: Union[_Floats, _Path],
    queries: Union[_Floats, _Path],
    config: Optional[_Path] = None,
    *,
    out: Optional[_Path] = None,
    force: bool = False,
    progress: Optional[Callable[[str, str, int, int], Any]] = None,
    base_labels: Union[npt.ArrayLike, _Path, None] = None,
    query_labels: Union[npt.ArrayLike, _Path, None] = None,
    gt: Union[npt.ArrayLike, _Path, None] = None,
    normalization: Optional[Literal["require", "l2", "none"]] = None,
    bits: Union[int, Sequence[int], None] = ...,
    projection: Union[str, Sequence[str], None] = ...,
    seeds: Union[int, Sequence[int], None] = ...,
    k: Optional[int] = ...,
    threads: Optional[int] = ...,
    trust_gt: bool = ...,
    qrels: Optional[_Path] = ...,
    base_ids: Union[npt.ArrayLike, _Path, None] = ...,
    query_ids: Union[npt.ArrayLike, _Path, None] = ...,
) -> Dict[str, Any]: ...
def _panic_for_test() -> None: ...
