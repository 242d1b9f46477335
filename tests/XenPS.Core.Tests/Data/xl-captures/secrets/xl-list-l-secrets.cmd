xl list -l (composed: xl-list-l-spice + the xl -N create JSON of secpv and sechvm as ids 7 and 8)
