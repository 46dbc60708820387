"""A device updater run in its own process, so a test can SIGKILL it at a chosen stage.

Usage: python _device_proc.py STATE_DIR BASE_URL ROOT_FILE HARDWARE_ID KILL_AT MARKER

KILL_AT is one of: download (half-way through the image download), verify (image verified,
nothing installed yet), install (half-way through writing the slot), switch (slot switched,
not yet rebooted or confirmed), none. At that point the process writes MARKER and sleeps;
the test kills it with SIGKILL — the closest thing to pulling the power cord.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from securable.device.update import DeviceUpdater, Stage


def main(argv: list[str]) -> int:
    state_dir, base_url, root_file, hardware_id, kill_at, marker = argv

    def progress(stage: Stage, done: int) -> None:
        length = int(Path(marker + ".length").read_text()) if Path(marker + ".length").exists() else 0
        hit = (
            (kill_at == "download" and stage is Stage.DOWNLOAD and 0 < done < length)
            or (kill_at == "verify" and stage is Stage.VERIFY)
            or (kill_at == "install" and stage is Stage.INSTALL and 0 < done < length)
            or (kill_at == "switch" and stage is Stage.SWITCH)
        )
        if hit:
            tmp = Path(marker + ".tmp")
            tmp.write_text(f"{stage.value} {done}\n")
            tmp.replace(marker)  # atomic: the test never reads a half-written marker
            time.sleep(120)  # wait for SIGKILL

    updater = DeviceUpdater(
        Path(state_dir),
        metadata_url=f"{base_url}/metadata",
        targets_url=f"{base_url}/targets",
        trusted_root=Path(root_file).read_bytes(),
        hardware_id=hardware_id,
        progress=progress,
    )
    updater.update()
    Path(marker + ".tmp").write_text("done\n")
    Path(marker + ".tmp").replace(marker)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
