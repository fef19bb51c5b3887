#include "engine/cli/cli.h"

int main(int argc, char** argv) { return pgward::cli::Run(argc, argv); }
