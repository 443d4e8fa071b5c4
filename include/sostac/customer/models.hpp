// sostac/customer/models.hpp: BG/NBD, MBG/NBD, Gamma-Gamma and the maximum-likelihood optimiser.
#pragma once
