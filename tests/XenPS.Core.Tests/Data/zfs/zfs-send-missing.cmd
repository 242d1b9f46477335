zfs send zroot/cap-disk1@nosuch | zfs receive zroot/capfull2
