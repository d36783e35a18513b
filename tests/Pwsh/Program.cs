// The whole of pwsh: the SDK's console host, started as the real pwsh starts it.
return Microsoft.PowerShell.UnmanagedPSEntry.Start(args, args.Length);
