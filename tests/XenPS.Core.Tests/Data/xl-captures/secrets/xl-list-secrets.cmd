xl list (composed to match xl-list-l-secrets)
