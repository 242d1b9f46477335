xl list -v nid-uuid
