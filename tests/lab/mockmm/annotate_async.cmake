# Copies one of ModemManager's introspection files and marks the given methods
# org.freedesktop.DBus.Method.Async=server, so sdbus-c++-xml2cpp generates handlers that answer
# later (ModemManager answers Enable, Connect, Disconnect asynchronously too). The original file
# stays where modemmanager-dev installed it.
# cmake -DIN=<xml> -DOUT=<xml> -DMETHODS=A,B -P annotate_async.cmake
file(READ "${IN}" xml)
string(REPLACE "," ";" methods "${METHODS}")
set(annotation "<annotation name=\"org.freedesktop.DBus.Method.Async\" value=\"server\"/>")
foreach(method IN LISTS methods)
  string(REGEX MATCHALL "<method name=\"${method}\"[ \t]*/?>" found "${xml}")
  list(LENGTH found count)
  if(NOT count EQUAL 1)
    message(FATAL_ERROR "${IN}: expected one <method name=\"${method}\">, found ${count}")
  endif()
  if(found MATCHES "/>$")
    string(REGEX REPLACE "<method name=\"${method}\"[ \t]*/>" "<method name=\"${method}\">${annotation}</method>"
           xml "${xml}")
  else()
    string(REGEX REPLACE "<method name=\"${method}\"[ \t]*>" "<method name=\"${method}\">${annotation}" xml "${xml}")
  endif()
endforeach()
file(WRITE "${OUT}" "${xml}")
