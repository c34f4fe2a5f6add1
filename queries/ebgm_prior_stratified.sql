-- name: ebgm_prior_stratified
-- title: The EBGM prior fitted over the pairs with expected counts stratified by age band, sex and year received
-- parameters: none
SELECT alpha1, beta1, alpha2, beta2, p FROM ebgm_prior_stratified
