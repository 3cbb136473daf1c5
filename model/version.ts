export const MODEL_VERSION = "0.0.0";
