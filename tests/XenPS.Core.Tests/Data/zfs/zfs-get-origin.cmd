zfs get -H -p -o name,property,value origin,clones,volmode zroot/capclone-disk0 zroot/cap-disk0@ck2
