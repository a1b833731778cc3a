"""atomic_write and atomic_path: the destination is the old file or the complete new one.

An error (or Ctrl-C) inside the block must leave the destination as it was
and no temporary file behind; only a block that ends normally renames its
temporary file into place.
"""

import pytest

from skspec.utils import atomic_path, atomic_write


class _Failure(Exception):
    pass


def _names(directory):
    return sorted(p.name for p in directory.iterdir())


@pytest.mark.parametrize("error", [_Failure, KeyboardInterrupt])
@pytest.mark.parametrize("old", [None, b"old bytes"])
def test_atomic_path_error_leaves_the_destination_alone(tmp_path, error, old):
    dest = tmp_path / "figure.png"
    if old is not None:
        dest.write_bytes(old)
    with pytest.raises(error), atomic_path(dest) as tmp:
        # A hidden name beside the destination, with its suffix (writers pick
        # the format by it).
        assert tmp.parent == tmp_path and tmp.name.startswith(".")
        assert tmp.suffix == ".png" and tmp != dest
        tmp.write_bytes(b"half a figure")
        raise error
    if old is None:
        assert not dest.exists()
        assert _names(tmp_path) == []
    else:
        assert dest.read_bytes() == old
        assert _names(tmp_path) == ["figure.png"]


@pytest.mark.parametrize("old", [None, b"old bytes"])
def test_atomic_path_success_renames_into_place(tmp_path, old):
    dest = tmp_path / "sub" / "figure.png"
    if old is not None:
        dest.parent.mkdir()
        dest.write_bytes(old)
    with atomic_path(dest) as tmp:
        tmp.write_bytes(b"new figure")
        assert dest.exists() == (old is not None)  # not before the block ends
        if old is not None:
            assert dest.read_bytes() == old
    assert dest.read_bytes() == b"new figure"
    assert _names(dest.parent) == ["figure.png"]


@pytest.mark.parametrize("error", [_Failure, KeyboardInterrupt])
@pytest.mark.parametrize("old", [None, "old text"])
def test_atomic_write_error_leaves_the_destination_alone(tmp_path, error, old):
    dest = tmp_path / "predictions.csv"
    if old is not None:
        dest.write_text(old)
    with pytest.raises(error), atomic_write(dest, "w") as fh:
        fh.write("a,b\n1,2\n")
        raise error
    if old is None:
        assert _names(tmp_path) == []
    else:
        assert dest.read_text() == old
        assert _names(tmp_path) == ["predictions.csv"]


def test_atomic_write_success_replaces(tmp_path):
    dest = tmp_path / "predictions.csv"
    dest.write_text("old text")
    with atomic_write(dest, "w", encoding="utf-8") as fh:
        fh.write("a,b\n")
        assert dest.read_text() == "old text"
    assert dest.read_text() == "a,b\n"
    assert _names(tmp_path) == ["predictions.csv"]
