zfs clone zroot/cap-disk0@ck1 zroot/capclone-disk0
