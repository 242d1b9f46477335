zfs send zroot/cap-disk1@ck2 | zfs receive -o volmode=dev -o xenps:copy=fedcba9876543210fedcba9876543210 zroot/capfull-disk1
