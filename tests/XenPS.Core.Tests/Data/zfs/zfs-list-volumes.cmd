zfs list -H -p -o name,type,used,referenced,creation,createtxg,origin,clones,volsize,volmode,xenps:copy -t all zroot/cap-disk0 zroot/capclone-disk0 zroot
