// Which libnvidia-ml NVML is read from: apart from the reader (src/probe/nvml.ts), which loads koffi, so that code
// that only names the library (the hint a GPU file's process gets) loads nothing native.

/** The library the NVIDIA driver installs; the unversioned name exists only with the development files. */
export const DEFAULT_NVML_LIBRARY = 'libnvidia-ml.so.1';

/** The environment variable that points the reader at another libnvidia-ml (tests load a stand-in with it). */
export const NVML_LIBRARY_ENV = 'GPU_TEST_NVML_LIBRARY';
