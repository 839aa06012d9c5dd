// Baseline preload: what an app importing the provider's package root pays before its first construct.
require("@cdktf/provider-aws");
require("@cdktf/provider-archive");
