/* good.c - a well-formed test plugin: the loader must accept it. It declares
 * a schema so config checking against a real descriptor can be tested. */
#include <cami/cami.h>

static const cami_config_key good_schema[] = {
    {"greeting", CAMI_CONFIG_STRING, "hello", 0, "what to say"},
    {"times", CAMI_CONFIG_INT, "1", 0, "how often to say it"},
    {"loud", CAMI_CONFIG_BOOL, "off", 0, "shout"},
    {NULL, 0, NULL, 0, NULL}
};

/* Registers nothing: the loader tests never run a host. */
static int good_init(cami_plugin *self)
{
    (void)self;
    return CAMI_OK;
}

CAMI_PLUGIN(good, "1.2.3", "Accepted by the loader",
            .init = good_init, .config_schema = good_schema);
