xl -N create secpv.cfg
