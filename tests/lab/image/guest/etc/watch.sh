#!/bin/sh
# Print DEVSTATE whenever the block devices or NICs change (for hot-plug tests).
old=""
while true; do
    new="$(tr -s ' ' </proc/partitions | tr '\n' ';') | $(ls /sys/class/net | tr '\n' ' ')"
    [ "$new" != "$old" ] && echo "DEVSTATE $new" && old="$new"
    sleep 2
done
