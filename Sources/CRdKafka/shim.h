#ifndef STAMINA_CRDKAFKA_SHIM_H
#define STAMINA_CRDKAFKA_SHIM_H

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#endif
