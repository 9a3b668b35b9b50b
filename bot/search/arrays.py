"""numpy, as the index build uses it: every build module imports it from here.

Only the build needs numpy (a cached index loads without it), and one setting must come
before numpy's import. numpy asks Linux for transparent huge pages (``madvise``) for every
array of 4 MB or more. Where the kernel answers such requests by compacting memory on the
spot (``/sys/kernel/mm/transparent_hugepage/defrag`` set to ``madvise``, a common
default), each of the build's short-lived arrays of tens of megabytes waits for it: at
100 000 entries, 0.4-1.3 s of kernel time per build instead of 0.2-0.3 s, measured on
this project's test machine, where builds were about 12 % faster without (fastest of
three, fresh processes). The build streams through its arrays once or twice, which huge
pages barely speed up. ``NUMPY_MADVISE_HUGEPAGE`` is numpy's documented switch, read at
import; an operator who sets it keeps their value.
"""

from __future__ import annotations

import os

os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")

# After the setting above, which numpy reads at import.
import numpy as np
import numpy.typing as npt

__all__ = ["np", "npt"]
