"""Writes a packed dataset whose arrays NumPy itself saved (run once; the output is committed).

    cd tests/MlnetGan.Data.Tests/Fixtures/numpy-packed && /usr/bin/python3 make_fixture.py

Made with Debian 12's python3-numpy 1.24.2. Image i, channel c, row y, column x holds (i * 7 + c * 5 + y * 3 + x) % 256;
labels are 0, 1, -1 (no label), 1, 0.
"""
import json
import numpy as np

n, c, h, w = 5, 3, 4, 4
i, ch, y, x = np.meshgrid(np.arange(n), np.arange(c), np.arange(h), np.arange(w), indexing="ij")
images = ((i * 7 + ch * 5 + y * 3 + x) % 256).astype(np.uint8)
np.save("train-images.npy", images)
np.save("train-labels.npy", np.array([0, 1, -1, 1, 0], dtype=np.int32))
with open("dataset.json", "w") as f:
    json.dump({"format": "mlnetgan-packed", "version": 1, "channels": c, "height": h, "width": w,
               "classNames": ["zero", "one"], "source": "numpy", "splits": {"train": n}}, f, indent=2)
