xl list 7
