// sostac/customer/summary.hpp: the per-customer summary (BTYD sufficient statistics) and RFM.
#pragma once
