-- name: ebgm_prior
-- title: The EBGM prior fitted over the whole database's ingredient x PT pairs, with how its fit ended
-- parameters: none
SELECT alpha1, beta1, alpha2, beta2, p, converged, at_bound FROM ebgm_prior
