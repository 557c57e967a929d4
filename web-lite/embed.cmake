# embed.cmake - turn static files into C arrays at build time.
# cmake -DOUT=file.c -DFILES="a.css;b.js" -P embed.cmake
# Each file becomes "const char web_static_<name>[]" (NUL-terminated),
# <name> being the file name with every non-alphanumeric replaced by "_".
set(text "/* Generated from web-lite/static by embed.cmake; do not edit. */\n")
foreach(f ${FILES})
  get_filename_component(name ${f} NAME)
  string(MAKE_C_IDENTIFIER ${name} id)
  file(READ ${f} hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
  string(APPEND text "const char web_static_${id}[] = {\n${bytes}0x00};\n")
endforeach()
file(WRITE ${OUT}.tmp "${text}")
file(RENAME ${OUT}.tmp ${OUT})
