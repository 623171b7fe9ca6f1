"""wardrobe.archives: zips from users are checked before anything is inflated."""
import io

import pytest

from tests.wardrobe.zips import bomb, make_zip
from wardrobe.archives import ArchiveLimits, ArchiveRejected, MemberRejected, open_safe_zip


def test_a_good_zip_lists_its_files_and_reads_them():
    with open_safe_zip(io.BytesIO(make_zip({"photos/a.jpg": b"abc", "photos/": b""}))) as archive:
        assert archive.names == ["photos/a.jpg"]
        assert archive.read("photos/a.jpg") == b"abc"
        assert archive.find("a.jpg") == "photos/a.jpg"


def test_bytes_that_are_not_a_zip_are_rejected():
    with pytest.raises(ArchiveRejected, match="not a zip"):
        open_safe_zip(io.BytesIO(b"PK\x03\x04 this is not really a zip"))


def test_a_truncated_zip_is_rejected():
    with pytest.raises(ArchiveRejected, match="not a zip"):
        open_safe_zip(io.BytesIO(make_zip({"a.jpg": b"x" * 1000})[:-30]))


@pytest.mark.parametrize("name", ["../escape.jpg", "/etc/passwd", "a/../../b.jpg", "C:/x.jpg", "dir\\x.jpg"])
def test_names_that_leave_the_archive_are_rejected(name):
    with pytest.raises(ArchiveRejected, match="refused"):
        open_safe_zip(io.BytesIO(make_zip({name: b"x"})))


def test_an_encrypted_member_is_rejected():
    with pytest.raises(ArchiveRejected, match="encrypted"):
        open_safe_zip(io.BytesIO(make_zip({"a.jpg": b"secret"}, encrypted=("a.jpg",))))


def test_a_link_is_rejected():
    with pytest.raises(ArchiveRejected, match="link"):
        open_safe_zip(io.BytesIO(make_zip({"a.jpg": b"/etc/passwd"}, links=("a.jpg",))))


def test_a_member_compressed_suspiciously_well_is_rejected():
    with pytest.raises(ArchiveRejected, match="zip bomb"):
        open_safe_zip(io.BytesIO(bomb()))


def test_a_member_over_the_size_cap_is_rejected():
    with pytest.raises(ArchiveRejected, match="per file"):
        open_safe_zip(io.BytesIO(make_zip({"a.jpg": b"x" * 2000})), limits=ArchiveLimits(max_member_bytes=1000))


def test_members_over_the_total_cap_are_rejected():
    raw = make_zip({f"{n}.jpg": b"x" * 600 for n in range(3)})
    with pytest.raises(ArchiveRejected, match="unpack to more than"):
        open_safe_zip(io.BytesIO(raw), limits=ArchiveLimits(max_total_bytes=1000))


def test_too_many_members_are_rejected():
    with pytest.raises(ArchiveRejected, match="holds 3 files"):
        open_safe_zip(io.BytesIO(make_zip({f"{n}.jpg": b"x" for n in range(3)})), limits=ArchiveLimits(max_members=2))


def test_a_member_that_inflates_past_its_declared_size_is_rejected_not_read():
    archive = open_safe_zip(io.BytesIO(make_zip({"a.jpg": b"y" * 5000})))
    archive._infos["a.jpg"].file_size = 100  # a central directory that lies
    with pytest.raises(MemberRejected):
        archive.read("a.jpg")
