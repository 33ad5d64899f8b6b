# child/gui.cmake - the GUI's endpoints and embedded assets, built into the
# child. Included by child/child.cmake before the child executables.
set(WARDEN_GUI_SOURCES child/api.c)
set(WARDEN_GUI_LIBS)
