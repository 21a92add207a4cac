"""The plugin's own tests: `python3 -m unittest` in this folder (Debian's python3-opencv and opencv-data)."""
import os
import unittest

import cv2
import numpy as np

from face_detection import plugin

HERE = os.path.dirname(os.path.abspath(__file__))


def sample_photo():
    """The group photo shipped in the repository's @vladmandic/human npm package (MIT), if it is installed."""
    d = HERE
    while True:
        candidate = os.path.join(d, "node_modules", "@vladmandic", "human", "assets", "samples.jpg")
        if os.path.exists(candidate):
            with open(candidate, "rb") as f:
                return f.read()
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


class Ctx:
    def __init__(self):
        self.config = {}
        self.state = plugin.init(self)
        self.progressed = []

    def progress(self, pct, stage=None):
        self.progressed.append((pct, stage))


class DetectFacesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ctx = Ctx()
        plugin.validate(cls.ctx)

    def test_blank_image_has_no_faces(self):
        ok, png = cv2.imencode(".png", np.full((120, 160), 200, dtype=np.uint8))
        self.assertTrue(ok)
        result = plugin.detect_faces({"image": png.tobytes()}, self.ctx)
        self.assertEqual(result, {"width": 160, "height": 120, "faces": []})

    def test_finds_faces_in_the_group_photo(self):
        photo = sample_photo()
        if photo is None:
            self.skipTest("node_modules/@vladmandic/human is not installed (run npm ci)")
        result = plugin.detect_faces({"image": photo}, self.ctx)
        self.assertGreaterEqual(len(result["faces"]), 3)
        for face in result["faces"]:
            box = face["box"]
            self.assertLessEqual(box["x"] + box["width"], result["width"])
            self.assertLessEqual(box["y"] + box["height"], result["height"])
            self.assertGreaterEqual(box["width"], 30)
            self.assertTrue(0 <= face["score"] <= 1)
        scores = [f["score"] for f in result["faces"]]
        self.assertEqual(scores, sorted(scores, reverse=True))

    def test_rejects_what_is_not_an_image(self):
        with self.assertRaises(plugin.InputError):
            plugin.detect_faces({"image": b"not an image"}, self.ctx)
        with self.assertRaises(plugin.InputError):
            plugin.detect_faces({"image": b""}, self.ctx)


if __name__ == "__main__":
    unittest.main()
