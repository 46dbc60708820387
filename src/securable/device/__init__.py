"""securable.device"""

from securable.device.update import DeviceUpdater as DeviceUpdater
from securable.device.update import ReleaseRepository as ReleaseRepository
from securable.device.update import UpdateRefusedError as UpdateRefusedError
