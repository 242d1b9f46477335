zfs send zroot/cap-disk1@ck2 | zfs receive zroot/capfull-disk1
