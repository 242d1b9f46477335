zfs list -H -p -o name,type,used,referenced,creation,createtxg,origin,clones,volsize,volmode,xenps:copy -t snapshot -d 1 zroot/cap-disk0 zroot/cap-disk1
