"""Build posecheck's offline pose model bundle from the mediapipe 0.10.21 wheel.

Why this script exists: current mediapipe (0.10.30 and later, 1.x) ships no
pose model. Its Tasks API (``PoseLandmarker``) wants a
``pose_landmarker_*.task`` bundle that is normally downloaded from Google's
storage on first use, which fails offline. The last wheels that carried the
models, mediapipe 0.10.21, hold the full BlazePose detector and landmark
models as plain ``.tflite`` files (Apache-2.0). This script turns those two
files into a bundle that current mediapipe loads with no network.

What it changes, and why:

* ``pose_detection.tflite`` is copied byte for byte: it already carries the
  TFLite metadata the Tasks graph needs (RGB image input normalized with
  mean 127.5 / std 127.5, i.e. to [-1, 1]). The script checks that.
* ``pose_landmark_full.tflite`` has no TFLite metadata, and the Tasks graph
  refuses a float32 image input without ``NormalizationOptions``. The script
  adds metadata that says RGB input normalized with mean 0 / std 255, i.e. to
  [0, 1], which is what the legacy graph fed this model. The model flatbuffer
  is re-serialized to hold the metadata; every constant buffer (the weights)
  is checked to come out byte-identical, and weight buffers stay 16-byte
  aligned as TFLite's own writer keeps them.
* The bundle is a zip of ``pose_detector.tflite`` and
  ``pose_landmarks_detector.tflite`` (the names the Tasks graph looks up),
  stored uncompressed and 16-byte aligned so mediapipe can use them in place,
  with fixed timestamps and order so that every run gives the same bytes.

Run from the project root::

    python tools/build_pose_bundle.py --wheel /path/to/mediapipe-0.10.21-*.whl

Without ``--wheel`` it runs ``pip download`` for the manylinux x86_64 /
CPython 3.11 wheel into a temporary directory (the model files are the same
in every 0.10.21 wheel; the script checks their sha256 either way).
"""

from __future__ import annotations

import argparse
import hashlib
import struct
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

import flatbuffers
import numpy as np
from mediapipe.tasks.metadata import metadata_schema_py_generated as meta_fb
from mediapipe.tasks.metadata import schema_py_generated as tflite_fb

MEDIAPIPE_VERSION = "0.10.21"
DOWNLOAD_PLATFORM = "manylinux_2_28_x86_64"
DOWNLOAD_PYTHON_VERSION = "3.11"

DETECTOR_MEMBER = "mediapipe/modules/pose_detection/pose_detection.tflite"
LANDMARKS_MEMBER = "mediapipe/modules/pose_landmark/pose_landmark_full.tflite"
# The files this bundle is built from. A different hash means a different
# model, and the shipped bundle's provenance would no longer hold.
SOURCE_SHA256 = {
    DETECTOR_MEMBER: ("9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c"),
    LANDMARKS_MEMBER: ("e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f"),
}

# Entry names the Tasks graph (pose_landmarker_graph.cc) looks up in a bundle.
BUNDLE_DETECTOR_NAME = "pose_detector.tflite"
BUNDLE_LANDMARKS_NAME = "pose_landmarks_detector.tflite"

DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "posecheck" / "models" / "pose_landmarker_full.task"

TFLITE_IDENTIFIER = b"TFL3"
METADATA_IDENTIFIER = b"M001"
METADATA_NAME = b"TFLITE_METADATA"
# The fields written below (names, image content, normalization, stats) all
# date from metadata schema 1.0.0; mediapipe's writer would compute the same.
MIN_PARSER_VERSION = "1.0.0"

# TFLite's schema declares Buffer.data with force_align: 16.
WEIGHT_ALIGNMENT = 16
ZIP_ALIGNMENT = 16
# Any fixed date works; 1980-01-01 is the earliest a zip entry can carry.
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
# Extra field id Android's zipalign uses for the same purpose: padding.
ZIP_ALIGN_EXTRA_ID = 0xD935

DETECTOR_MEAN_STD = (127.5, 127.5)
LANDMARKS_MEAN_STD = (0.0, 255.0)

# Output order of pose_landmark_full.tflite, which the Tasks graph reads by
# position: (name, description).
LANDMARKS_OUTPUTS = (
    ("landmarks", "39 x (x, y, z, visibility, presence); x, y in input pixels."),
    ("pose_presence", "Pose presence score, a logit."),
    ("segmentation", "Person segmentation logits, 256 x 256."),
    ("heatmap", "Landmark heatmaps, 64 x 64 x 39."),
    ("world_landmarks", "39 x (x, y, z) in metres, hip-centred."),
)


class _AlignedBufferT(tflite_fb.BufferT):
    """A TFLite ``BufferT`` whose data is packed at ``WEIGHT_ALIGNMENT``.

    The generated Python code ignores the schema's ``force_align: 16``, so a
    plain re-serialization would leave weights only 4-byte aligned.
    """

    def Pack(self, builder: flatbuffers.Builder) -> int:
        """Packs the buffer like the generated code, with aligned data."""
        if self.data is None:
            return super().Pack(builder)
        payload = np.asarray(self.data, dtype=np.uint8).tobytes()
        builder.StartVector(1, len(payload), WEIGHT_ALIGNMENT)
        builder.head -= len(payload)
        builder.Bytes[builder.head : builder.head + len(payload)] = payload
        data = builder.EndVector()
        tflite_fb.BufferStart(builder)
        tflite_fb.BufferAddData(builder, data)
        tflite_fb.BufferAddOffset(builder, self.offset)
        tflite_fb.BufferAddSize(builder, self.size)
        return tflite_fb.BufferEnd(builder)


def sha256_hex(data: bytes) -> str:
    """Returns the hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def download_wheel(dest: Path) -> Path:
    """Downloads the mediapipe 0.10.21 wheel with pip.

    A fixed platform and Python version make the download the same file on
    any host, so the printed provenance stays comparable.

    Args:
        dest: Directory to download into.

    Returns:
        Path of the downloaded wheel.

    Raises:
        RuntimeError: pip failed or produced no wheel.
    """
    cmd = [
        sys.executable, "-m", "pip", "download",
        f"mediapipe=={MEDIAPIPE_VERSION}",
        "--no-deps", "--only-binary=:all:",
        "--platform", DOWNLOAD_PLATFORM,
        "--python-version", DOWNLOAD_PYTHON_VERSION,
        "-d", str(dest),
    ]  # fmt: skip
    completed = subprocess.run(cmd, check=False)
    wheels = sorted(dest.glob(f"mediapipe-{MEDIAPIPE_VERSION}-*.whl"))
    if completed.returncode != 0 or not wheels:
        raise RuntimeError(f"pip download failed: {' '.join(cmd)}")
    return wheels[0]


def read_source_models(wheel: Path) -> dict[str, bytes]:
    """Reads the two pose models out of the wheel and checks their sha256.

    Args:
        wheel: Path to a mediapipe 0.10.21 wheel.

    Returns:
        Model bytes keyed by their path inside the wheel.

    Raises:
        ValueError: A model is missing or is not the expected file.
    """
    models: dict[str, bytes] = {}
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        for member, expected in SOURCE_SHA256.items():
            if member not in names:
                raise ValueError(f"{wheel.name}: no {member}; is it mediapipe 0.10.21?")
            data = zf.read(member)
            if sha256_hex(data) != expected:
                raise ValueError(f"{wheel.name}: {member} has sha256 {sha256_hex(data)}, expected {expected}")
            models[member] = data
    return models


def _metadata_buffer(model: tflite_fb.Model) -> bytes | None:
    """Returns the model's TFLITE_METADATA flatbuffer, or None if absent."""
    for i in range(model.MetadataLength()):
        entry = model.Metadata(i)
        if entry.Name() == METADATA_NAME:
            return model.Buffers(entry.Buffer()).DataAsNumpy().tobytes()
    return None


def check_detector_metadata(model_bytes: bytes) -> None:
    """Checks that the detector already declares its input normalization.

    This is why the detector can go into the bundle unchanged.

    Args:
        model_bytes: The detector ``.tflite`` file.

    Raises:
        ValueError: The metadata is missing or says something else.
    """
    model = tflite_fb.Model.GetRootAs(model_bytes, 0)
    raw = _metadata_buffer(model)
    if raw is None:
        raise ValueError("pose detector: no TFLITE_METADATA")
    metadata = meta_fb.ModelMetadataT.InitFromObj(meta_fb.ModelMetadata.GetRootAs(raw, 0))
    image = metadata.subgraphMetadata[0].inputTensorMetadata[0]
    norms = [
        unit.options
        for unit in image.processUnits or []
        if unit.optionsType == meta_fb.ProcessUnitOptions.NormalizationOptions
    ]
    found = [(float(n.mean[0]), float(n.std[0])) for n in norms]
    if found != [DETECTOR_MEAN_STD]:
        raise ValueError(f"pose detector: input normalization {found}, expected [{DETECTOR_MEAN_STD}]")


def _tensor_metadata(name: str, description: str) -> meta_fb.TensorMetadataT:
    """Returns tensor metadata holding only a name and a description."""
    tensor = meta_fb.TensorMetadataT()
    tensor.name = name
    tensor.description = description
    return tensor


def build_landmarks_metadata() -> bytes:
    """Builds the TFLite metadata flatbuffer for the landmark model.

    It declares what the Tasks graph needs to feed the model: an RGB image
    normalized as (pixel - 0) / 255. Outputs get names and descriptions only,
    for people reading the model; the graph reads them by position.

    Returns:
        The metadata flatbuffer, with the ``M001`` file identifier.
    """
    mean, std = LANDMARKS_MEAN_STD

    normalization = meta_fb.NormalizationOptionsT()
    normalization.mean = [mean]
    normalization.std = [std]
    unit = meta_fb.ProcessUnitT()
    unit.optionsType = meta_fb.ProcessUnitOptions.NormalizationOptions
    unit.options = normalization

    properties = meta_fb.ImagePropertiesT()
    properties.colorSpace = meta_fb.ColorSpaceType.RGB
    content = meta_fb.ContentT()
    content.contentPropertiesType = meta_fb.ContentProperties.ImageProperties
    content.contentProperties = properties

    stats = meta_fb.StatsT()
    stats.min = [(0.0 - mean) / std]
    stats.max = [(255.0 - mean) / std]

    image = _tensor_metadata("image", "RGB person crop, 256 x 256.")
    image.content = content
    image.processUnits = [unit]
    image.stats = stats

    subgraph = meta_fb.SubGraphMetadataT()
    subgraph.inputTensorMetadata = [image]
    subgraph.outputTensorMetadata = [_tensor_metadata(name, description) for name, description in LANDMARKS_OUTPUTS]

    metadata = meta_fb.ModelMetadataT()
    metadata.name = "pose_landmarks_detector"
    metadata.description = (
        "MediaPipe BlazePose GHUM 3D landmark model, full, from the mediapipe "
        f"{MEDIAPIPE_VERSION} wheel (pose_landmark_full.tflite). Metadata added "
        "by posecheck tools/build_pose_bundle.py; weights unchanged."
    )
    metadata.license = "Apache License. Version 2.0 http://www.apache.org/licenses/LICENSE-2.0."
    metadata.minParserVersion = MIN_PARSER_VERSION
    metadata.subgraphMetadata = [subgraph]

    builder = flatbuffers.Builder(0)
    builder.Finish(metadata.Pack(builder), METADATA_IDENTIFIER)
    return bytes(builder.Output())


def add_metadata(model_bytes: bytes, metadata: bytes) -> bytes:
    """Returns the model re-serialized with ``metadata`` as TFLITE_METADATA.

    Args:
        model_bytes: A ``.tflite`` file without TFLITE_METADATA.
        metadata: A TFLite metadata flatbuffer.

    Returns:
        The new ``.tflite`` file.

    Raises:
        ValueError: The model already has TFLITE_METADATA, or the number of
            tensor metadata entries does not match the model's inputs/outputs.
    """
    root = tflite_fb.Model.GetRootAs(model_bytes, 0)
    if _metadata_buffer(root) is not None:
        raise ValueError("model already has TFLITE_METADATA")
    subgraph = root.Subgraphs(0)
    md_subgraph = meta_fb.ModelMetadata.GetRootAs(metadata, 0).SubgraphMetadata(0)
    if (subgraph.InputsLength(), subgraph.OutputsLength()) != (
        md_subgraph.InputTensorMetadataLength(),
        md_subgraph.OutputTensorMetadataLength(),
    ):
        raise ValueError("tensor metadata does not match the model's inputs/outputs")

    model = tflite_fb.ModelT.InitFromObj(root)
    model.buffers = [_aligned_buffer(buffer) for buffer in model.buffers] + [
        _aligned_buffer(tflite_fb.BufferT(data=np.frombuffer(metadata, np.uint8)))
    ]
    entry = tflite_fb.MetadataT()
    entry.name = METADATA_NAME.decode()
    entry.buffer = len(model.buffers) - 1
    model.metadata = [*(model.metadata or []), entry]

    builder = flatbuffers.Builder(len(model_bytes) + len(metadata) + 4096)
    builder.Finish(model.Pack(builder), TFLITE_IDENTIFIER)
    return bytes(builder.Output())


def _aligned_buffer(buffer: tflite_fb.BufferT) -> _AlignedBufferT:
    """Returns a copy of ``buffer`` that packs its data aligned."""
    return _AlignedBufferT(data=buffer.data, offset=buffer.offset, size=buffer.size)


def check_weights_unchanged(original: bytes, rebuilt: bytes) -> None:
    """Checks that re-serialization left every original buffer byte-identical.

    Args:
        original: The source ``.tflite`` file.
        rebuilt: The same model with metadata added.

    Raises:
        ValueError: A buffer differs, or is not aligned in ``rebuilt``.
    """
    before = tflite_fb.Model.GetRootAs(original, 0)
    after = tflite_fb.Model.GetRootAs(rebuilt, 0)
    if after.BuffersLength() != before.BuffersLength() + 1:
        raise ValueError("rebuilt model: unexpected number of buffers")
    for i in range(before.BuffersLength()):
        old, new = before.Buffers(i), after.Buffers(i)
        if old.DataLength() != new.DataLength() or (
            old.DataLength() and old.DataAsNumpy().tobytes() != new.DataAsNumpy().tobytes()
        ):
            raise ValueError(f"rebuilt model: buffer {i} differs from the source")
        if new.DataLength() and _data_offset(new) % WEIGHT_ALIGNMENT:
            raise ValueError(f"rebuilt model: buffer {i} is not aligned")


def _data_offset(buffer: tflite_fb.Buffer) -> int:
    """Returns the file offset of a buffer's first data byte.

    The generated API has no accessor for it, hence the private ``_tab``.
    """
    tab = buffer._tab
    field = tab.Offset(4)  # vtable slot of Buffer.data
    return tab.Vector(field)


def write_bundle(entries: Sequence[tuple[str, bytes]], path: Path) -> None:
    """Writes a ``.task`` bundle: a stored, aligned, reproducible zip.

    Entries are written in the given order with a fixed date and fixed
    attributes, so the bytes depend on the content only. Each entry's data
    starts at a multiple of ``ZIP_ALIGNMENT`` from the start of the file
    (padding goes in a local-header extra field, as zipalign does), so
    mediapipe can hand the models to TFLite without copying them.

    The zip is written beside ``path`` and moved into place when complete,
    so a failed build never leaves a truncated bundle where the app looks.

    Args:
        entries: (name, data) pairs, in the order to write them.
        path: Output file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 3  # Unix, whatever the build host
            info.external_attr = 0o100644 << 16  # regular file, rw-r--r--
            # Local header: 30 fixed bytes, the name, then the extra field.
            start = zf.fp.tell() + 30 + len(name.encode())
            # The extra field needs 4 header bytes + 2 for the alignment value.
            pad = (-(start + 6)) % ZIP_ALIGNMENT
            info.extra = struct.pack("<HHH", ZIP_ALIGN_EXTRA_ID, 2 + pad, ZIP_ALIGNMENT)
            info.extra += b"\0" * pad
            zf.writestr(info, data)
    _check_zip_alignment(partial)
    partial.replace(path)


def _check_zip_alignment(path: Path) -> None:
    """Checks, from the local headers as written, that entry data is aligned.

    Raises:
        RuntimeError: An entry's data does not start at ``ZIP_ALIGNMENT``.
    """
    with zipfile.ZipFile(path) as zf, path.open("rb") as f:
        for info in zf.infolist():
            f.seek(info.header_offset + 26)
            name_len, extra_len = struct.unpack("<HH", f.read(4))
            if (info.header_offset + 30 + name_len + extra_len) % ZIP_ALIGNMENT:
                raise RuntimeError(f"{path}: {info.filename} is not aligned")


def build_bundle(wheel: Path, output: Path) -> str:
    """Builds the bundle from ``wheel`` into ``output``.

    Args:
        wheel: Path to a mediapipe 0.10.21 wheel.
        output: Where to write the ``.task`` file.

    Returns:
        The hex sha256 of the written bundle.
    """
    models = read_source_models(wheel)
    detector = models[DETECTOR_MEMBER]
    check_detector_metadata(detector)
    source_landmarks = models[LANDMARKS_MEMBER]
    landmarks = add_metadata(source_landmarks, build_landmarks_metadata())
    check_weights_unchanged(source_landmarks, landmarks)
    write_bundle([(BUNDLE_DETECTOR_NAME, detector), (BUNDLE_LANDMARKS_NAME, landmarks)], output)
    return sha256_hex(output.read_bytes())


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parses the command line."""
    parser = argparse.ArgumentParser(
        description=(
            f"Build the offline MediaPipe pose bundle (full model) from the mediapipe {MEDIAPIPE_VERSION} wheel."
        )
    )
    parser.add_argument(
        "--wheel",
        type=Path,
        help=f"mediapipe {MEDIAPIPE_VERSION} wheel; downloaded with pip if omitted",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help="bundle to write (default: %(default)s)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Builds the bundle and prints its sha256.

    Args:
        argv: Command-line arguments, without the program name.

    Returns:
        The process exit code: 0 on success, 1 on failure.
    """
    args = parse_args(argv)
    try:
        if args.wheel is not None:
            digest = build_bundle(args.wheel, args.output)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                digest = build_bundle(download_wheel(Path(tmp)), args.output)
    except (OSError, ValueError, RuntimeError, zipfile.BadZipFile) as exc:
        print(f"build_pose_bundle: {exc}", file=sys.stderr)
        return 1
    print(f"{digest}  {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
