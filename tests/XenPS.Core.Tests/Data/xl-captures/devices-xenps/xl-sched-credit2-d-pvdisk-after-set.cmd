xl sched-credit2 -d pvdisk -w 512 -c 50; xl sched-credit2 -d pvdisk
