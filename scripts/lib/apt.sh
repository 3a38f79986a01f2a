# Sourced by test.sh and scripts/test-*.sh: installing Debian packages the tests need.

# apt_install PREFIX PACKAGE...: installs the packages with apt-get (as root, where apt-get is).
# Returns 0 once installed; otherwise 1, with the reason in $apt_why.
apt_install() {
  local prefix=$1
  shift
  apt_why=""
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    apt_why="not root, or no apt-get"
    return 1
  fi

  echo "$prefix: installing $*"
  export DEBIAN_FRONTEND=noninteractive
  if apt-get update -qq && apt-get install -y -qq "$@" >/dev/null; then
    return 0
  fi

  apt_why="apt-get failed"
  return 1
}
