xentop -b -i 2 -d 1
