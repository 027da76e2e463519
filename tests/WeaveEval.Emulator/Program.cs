// Placeholder entry point until the emulator host lands.
return 0;
