#pragma once

// Who ran pgward and where, as evidence records it: the operating-system user (the effective
// one, which is whose privileges read the inputs) and the host name.

#include <string>

namespace pgward {

// The effective user's name, or its numeric id when it has no passwd entry (a container).
std::string OperatingSystemUser();

// The host name; empty when the system does not tell.
std::string HostName();

}  // namespace pgward
