#ifndef CUSTOS_CSODIUM_SHIM_H
#define CUSTOS_CSODIUM_SHIM_H
#include <sodium.h>
#endif
