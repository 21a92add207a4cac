"""face-detection: tool `detect_faces`, frontal faces with OpenCV's Haar cascade (Viola-Jones) from Debian's
opencv-data. Boxes are in input-image pixels; a face's score is the cascade's last-stage weight squashed to 0-1
(higher means more face-like; it is not a calibrated probability)."""
import math
import os

# Refuse decompression bombs before decoding: OpenCV reads this when cv2 is imported.
os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", str(40_000_000))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

try:
    from bastion_plugin import InputError
except ImportError:  # the plugin's own tests, outside the server
    class InputError(ValueError):  # type: ignore[no-redef]
        def __init__(self, message, details=None):
            super().__init__(message)
            self.details = details


CASCADE = "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml"

DEFAULTS = {"min_size": 30, "scale_factor": 1.1, "min_neighbors": 5}

BOX = {
    "type": "object",
    "properties": {k: {"type": "integer", "minimum": 0} for k in ("x", "y", "width", "height")},
    "required": ["x", "y", "width", "height"],
}

INPUT_SCHEMA = {
    "type": "object",
    "properties": {
        "image": {"type": "string", "contentEncoding": "base64", "description": "PNG, JPEG, BMP, WebP or TIFF"},
        "min_size": {"type": "integer", "minimum": 8, "maximum": 4096, "description": "smallest face side, px"},
        "scale_factor": {"type": "number", "exclusiveMinimum": 1, "maximum": 2, "description": "pyramid step"},
        "min_neighbors": {"type": "integer", "minimum": 0, "maximum": 50, "description": "higher: fewer, surer"},
    },
    "required": ["image"],
    "additionalProperties": False,
}

OUTPUT_SCHEMA = {
    "type": "object",
    "properties": {
        "width": {"type": "integer"},
        "height": {"type": "integer"},
        "faces": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "label": {"const": "face"},
                    "score": {"type": "number", "minimum": 0, "maximum": 1},
                    "box": BOX,
                },
                "required": ["label", "score", "box"],
            },
        },
    },
    "required": ["width", "height", "faces"],
}


def load_cascade(path=CASCADE):
    cascade = cv2.CascadeClassifier(path)
    if cascade.empty():
        raise RuntimeError(f"OpenCV could not read the cascade {path}; reinstall opencv-data")
    return cascade


def decode(data):
    if not data:
        raise InputError("image is empty", details={"field": "image"})
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_GRAYSCALE)
    if image is None:
        raise InputError(
            "image is not a decodable image (PNG, JPEG, BMP, WebP or TIFF, at most 40 megapixels)",
            details={"field": "image"},
        )
    return image


def detect(cascade, gray, min_size, scale_factor, min_neighbors):
    """Faces in a grayscale image, best first: [{label, score, box}]."""
    equalised = cv2.equalizeHist(gray)
    boxes, _levels, weights = cascade.detectMultiScale3(
        equalised,
        scaleFactor=scale_factor,
        minNeighbors=min_neighbors,
        minSize=(min_size, min_size),
        outputRejectLevels=True,
    )
    faces = []
    for (x, y, w, h), weight in zip(boxes, np.ravel(weights) if len(boxes) else []):
        score = 1.0 / (1.0 + math.exp(-float(weight)))
        faces.append(
            {
                "label": "face",
                "score": round(score, 4),
                "box": {"x": int(x), "y": int(y), "width": int(w), "height": int(h)},
            }
        )
    faces.sort(key=lambda f: f["score"], reverse=True)
    return faces


def option(args, config, key):
    return args[key] if key in args else config.get(key, DEFAULTS[key])


def detect_faces(args, ctx):
    gray = decode(args["image"])
    ctx.progress(10, "decoded")
    faces = detect(
        ctx.state["cascade"],
        gray,
        int(option(args, ctx.config, "min_size")),
        float(option(args, ctx.config, "scale_factor")),
        int(option(args, ctx.config, "min_neighbors")),
    )
    return {"width": int(gray.shape[1]), "height": int(gray.shape[0]), "faces": faces}


def init(ctx):
    return {"cascade": load_cascade()}


def validate(ctx):
    # A blank image must run through the cascade and find nothing.
    found = detect(ctx.state["cascade"], np.zeros((64, 64), dtype=np.uint8), 24, 1.2, 3)
    if found:
        raise RuntimeError(f"the cascade found {len(found)} faces in a blank image")


PLUGIN = {
    "init": init,
    "validate": validate,
    "tools": {
        "detect_faces": {
            "description": "Find frontal faces in an image: a box (input-image pixels) and a 0-1 score per face",
            "input_schema": INPUT_SCHEMA,
            "output_schema": OUTPUT_SCHEMA,
            "handler": detect_faces,
        }
    },
}
