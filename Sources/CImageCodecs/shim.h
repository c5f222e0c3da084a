#ifndef KONTEXTD_CIMAGECODECS_SHIM_H
#define KONTEXTD_CIMAGECODECS_SHIM_H
/* Encoders used only by the Runware simulator to produce real, decodable images. */
#include <stdio.h>
#include <turbojpeg.h>
#include <png.h>
#include <webp/encode.h>
#endif
