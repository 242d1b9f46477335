zfs list -H -p -o name,type,used,referenced,creation,createtxg,origin,clones,volsize,volmode,xenps:copy -t all -r zroot
